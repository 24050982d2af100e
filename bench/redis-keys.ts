import { createClient } from '@redis/client';

/**
 * Deletes the keys under `prefix` in the Redis at `url`, and nothing else: that Redis may be
 * shared, so a bench cleans up only what it wrote under a prefix of its own.
 */
export async function deleteKeysUnder(url: string, prefix: string): Promise<number> {
  const client = createClient({ url });
  await client.connect();
  let deleted = 0;
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      if (keys.length > 0) deleted += await client.del(keys);
    }
  } finally {
    client.destroy();
  }
  return deleted;
}
