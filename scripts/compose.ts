/** `npm run compose`: writes every subgraph's SDL and the supergraph into schema/. */
import fs from 'node:fs';
import { composeSupergraph, SUPERGRAPH_PATH, subgraphSdlPath } from '../gateway/compose';

const { subgraphs, supergraphSdl } = composeSupergraph();
for (const { service, sdl } of subgraphs) {
  fs.writeFileSync(subgraphSdlPath(service), `${sdl.trim()}\n`);
}
fs.writeFileSync(SUPERGRAPH_PATH, supergraphSdl);
console.log(`Composed ${subgraphs.length} subgraphs into ${SUPERGRAPH_PATH}`);
