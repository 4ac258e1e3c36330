// Where the shared test data is: ../shared beside the project (CHORD_SHARED_DIR overrides).
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const sharedDir = process.env.CHORD_SHARED_DIR ?? fileURLToPath(new URL('../../../../shared', import.meta.url));
export const sharedPath = (...parts) => path.join(sharedDir, ...parts);
