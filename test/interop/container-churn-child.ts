// The Berth side of the concurrency test, in its own process: two loops
// create containers from IMAGE and delete some of their own until the deadline.
// Prints `created <id> <name>` and `deleted <id>` lines, exits 0 when done.
// Usage: node container-churn-child.js GRAPH_ROOT RUN_ROOT IMAGE DURATION_MS

import { openStore } from '../../src/storage/index.js';

const [graphRoot, runRoot, image, duration] = process.argv.slice(2);
if (!graphRoot || !runRoot || !image || !duration) {
  process.stderr.write('usage: container-churn-child GRAPH_ROOT RUN_ROOT IMAGE DURATION_MS\n');
  process.exit(2);
}

const store = await openStore({ graphRoot, runRoot, driverName: 'overlay', driverOptions: [] });
const deadline = Date.now() + Number(duration);

// Each loop deletes only its own containers, so every delete must succeed.
async function churn(tag: string): Promise<void> {
  const mine: string[] = [];
  for (let n = 0; Date.now() < deadline; n++) {
    const name = `${tag}-${n}`;
    const { id } = await store.createContainer({ names: [name], image: image!, metadata: `made by ${name}` });
    process.stdout.write(`created ${id} ${name}\n`);
    mine.push(id);
    if (mine.length > 4 && Math.random() < 0.45) {
      const [victim] = mine.splice(Math.floor(Math.random() * mine.length), 1) as [string];
      await store.deleteContainer(victim);
      process.stdout.write(`deleted ${victim}\n`);
    }
  }
}

await Promise.all([churn('berth-a'), churn('berth-b')]);
await store.close();
