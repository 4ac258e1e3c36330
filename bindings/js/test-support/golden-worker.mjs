// golden.html?where=worker: the suite in a program's own module worker, which posts its result back.
import { runGoldenSuite } from '/pkg/test-support/golden-suite.mjs';

self.onmessage = async ({ data: { names, backend } }) => self.postMessage(await runGoldenSuite(names, backend));
