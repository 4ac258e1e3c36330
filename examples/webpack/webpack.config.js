// webpack 5 needs nothing for wasm-chord: its worker and wasm files are found through
// `new URL(..., import.meta.url)`. The page comes from html-webpack-plugin; the wasm modules and the
// model are over webpack's 244 KiB advice for a single asset, which is expected for a language model.
import HtmlWebpackPlugin from 'html-webpack-plugin';

export default {
  mode: 'production',
  entry: './src/main.js',
  output: { clean: true },
  plugins: [new HtmlWebpackPlugin({ template: './src/index.html' })],
  performance: { assetFilter: (file) => !/\.(wasm|gguf)$/.test(file) },
};
