// The Cache API's contract, in memory (Node has no Cache API): the Cache-like object a `cache`
// load option may be, for the loader's tests.
export class MemoryCache {
  entries = new Map();
  async match(url) {
    const e = this.entries.get(url);
    return e && new Response(e.body, { headers: e.headers });
  }
  async put(url, response) {
    this.entries.set(url, { body: new Uint8Array(await response.arrayBuffer()), headers: Object.fromEntries(response.headers) });
  }
  async delete(url) {
    return this.entries.delete(url);
  }
}
