/**
 * `npm run trusted-documents`: writes contract/persisted-query-manifest.json from
 * contract/operations (`-- --check`: exit 1 when the file is out of date instead).
 */
import fs from 'node:fs';
import path from 'node:path';
import { MANIFEST_PATH, manifestText, persistedQueryManifest } from '../contract';

const manifest = persistedQueryManifest();
const text = manifestText(manifest);
const current = fs.existsSync(MANIFEST_PATH) ? fs.readFileSync(MANIFEST_PATH, 'utf8') : '';
const relative = path.relative(process.cwd(), MANIFEST_PATH);
if (process.argv.includes('--check')) {
  if (current !== text) {
    console.error(`${relative} is out of date: run npm run trusted-documents`);
    process.exit(1);
  }
  console.log(`${relative} is up to date (${manifest.operations.length} operations)`);
} else {
  fs.writeFileSync(MANIFEST_PATH, text);
  console.log(`wrote ${relative}: ${manifest.operations.length} operations`);
}
