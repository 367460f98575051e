// Atlas Search needs a search process next to mongod; without one, mongod (7.3+) refuses the search index
// commands, the $listSearchIndexes stage and the $search / $vectorSearch stages with SearchNotEnabled (31082),
// in messages that send the user to Atlas. An app meeting the test server must see the same error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, type Collection } from 'mongodb';
import { mongoUrl, uniqueDbName } from '../../test/support/mongo';
import { serverErrorOf } from './support';

let client: MongoClient;
let coll: Collection<{ _id: number; text: string }>;

beforeAll(async () => {
  client = new MongoClient(mongoUrl());
  coll = client.db(uniqueDbName('search')).collection('articles');
  await coll.insertOne({ _id: 1, text: 'sessions in MongoDB' });
});

afterAll(async () => {
  await coll?.drop().catch(() => undefined);
  await client?.close();
});

const INDEX_COMMANDS_REFUSED =
  'Using Atlas Search Database Commands and the $listSearchIndexes aggregation stage requires additional configuration. ' +
  'Please connect to Atlas or an AtlasCLI local deployment to enable. ' +
  'For more information on how to connect, see https://dochub.mongodb.org/core/atlas-cli-deploy-local-reqs.';

describe('Atlas Search without a search process', () => {
  it('refuses createSearchIndexes, updateSearchIndex, dropSearchIndex and $listSearchIndexes, naming Atlas', async () => {
    const definition = { mappings: { dynamic: true } };
    const attempts = [
      () => coll.createSearchIndex({ name: 'default', definition }),
      () => coll.updateSearchIndex('default', definition),
      () => coll.dropSearchIndex('default'),
      () => coll.listSearchIndexes().toArray(),
    ];
    for (const attempt of attempts) expect((await serverErrorOf(attempt())).message).toBe(INDEX_COMMANDS_REFUSED);
  });

  it('refuses the $search, $searchMeta and $vectorSearch stages, and nothing is lost', async () => {
    for (const stage of [{ $search: { text: { query: 'x', path: 'text' } } }, { $searchMeta: {} }, { $vectorSearch: {} }]) {
      expect((await serverErrorOf(coll.aggregate([stage]).toArray())).message).toMatch(/^Using \$search and \$vectorSearch aggregation stages requires additional configuration\. Please connect to Atlas/);
    }
    expect(await coll.find().toArray()).toEqual([{ _id: 1, text: 'sessions in MongoDB' }]);
  });
});
