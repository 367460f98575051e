// aggregate over one collection, its stages run by mingo (plain $project stages by this server).
import { Aggregator } from 'mingo';
import { CommandError, badValue } from '../errors';
import { DEFAULT_BATCH } from '../cursors';
import { plainProjection, projectDocs } from '../projection';
import { checkFields, collName, isPlainObject, matching, runMingo } from '../query';
import { cloneDoc, type Collection, type Doc } from '../storage';
import type { Command, CommandHandler } from '../types';
import { refuseSearchStage } from './search-indexes';

/** Pipeline stages this server runs (through mingo). */
const AGG_STAGES = new Set([
  '$match', '$project', '$addFields', '$set', '$unset', '$group', '$sort', '$skip', '$limit', '$count',
  '$unwind', '$replaceRoot', '$replaceWith', '$sortByCount', '$bucket', '$bucketAuto', '$facet', '$sample', '$lookup',
  '$redact', '$setWindowFields', '$fill', '$densify', '$unionWith', '$graphLookup', '$documents',
]);
/** Stages mongod knows that this server refuses (BadValue) rather than pretending to run them. */
const REFUSED_STAGES = new Set([
  '$out', '$merge', '$collStats', '$indexStats', '$currentOp', '$listSessions', '$listLocalSessions', '$planCacheStats',
  '$geoNear', '$changeStream', '$shardedDataDistribution',
  '$listCatalog', '$changeStreamSplitLargeEvent',
]);

/** Stages that build new documents and never write to their inputs: no defensive copy needed (countDocuments). */
const READ_ONLY_STAGES = new Set(['$match', '$group', '$count', '$sort', '$skip', '$limit', '$sortByCount']);

function checkPipeline(body: Doc): Doc[] {
  if (!Array.isArray(body.pipeline)) throw new CommandError(14, "'pipeline' option must be specified as an array");
  if (!isPlainObject(body.cursor)) throw new CommandError(9, "The 'cursor' option is required, except for aggregate with the explain argument");
  for (const stage of body.pipeline) {
    if (!isPlainObject(stage) || Object.keys(stage).length !== 1) throw new CommandError(40323, 'A pipeline stage specification object must contain exactly one field.');
    const stageName = Object.keys(stage)[0];
    refuseSearchStage(stageName);
    if (REFUSED_STAGES.has(stageName)) throw badValue(`the test server does not support the ${stageName} stage`);
    if (!AGG_STAGES.has(stageName)) throw new CommandError(40324, `Unrecognized pipeline stage name: '${stageName}'`);
  }
  return body.pipeline as Doc[];
}

function runPipeline(coll: Collection | undefined, stages: Doc[], options: ConstructorParameters<typeof Aggregator>[1]): Doc[] {
  let pipeline = stages;
  let input = coll ? [...coll.docs.values()] : [];
  // Filter first without copying, then give mingo private copies (stages like $set may write to inputs).
  if (pipeline.length && pipeline[0].$match) {
    input = matching(coll, pipeline[0].$match);
    pipeline = pipeline.slice(1);
  }
  let results = pipeline.every((st) => READ_ONLY_STAGES.has(Object.keys(st)[0])) ? input : input.map(cloneDoc);
  // Plain $project stages run here (see plainProjection), the stages between them through mingo.
  let segment: Doc[] = [];
  const flush = () => {
    const run = segment;
    segment = [];
    if (run.length) results = runMingo(() => new Aggregator(run, options).run(results) as Doc[]);
  };
  for (const stage of pipeline) {
    if (!plainProjection(stage.$project)) {
      segment.push(stage);
      continue;
    }
    flush();
    results = projectDocs(results, stage.$project);
  }
  flush();
  return results;
}

function aggregate({ body, engine }: Command): Doc {
  checkFields('aggregate', body, ['pipeline', 'cursor', 'allowDiskUse', 'bypassDocumentValidation', 'let'], ['explain', 'hint', 'collation']);
  if (body.aggregate === 1) throw badValue('the test server does not support collection-less aggregate');
  const name = collName('aggregate', body);
  const pipeline = checkPipeline(body);
  const db = String(body.$db);
  const results = runPipeline(engine.storage.get(db, name), pipeline, {
    variables: isPlainObject(body.let) ? body.let : undefined,
    collectionResolver: (n: string) => [...(engine.storage.get(db, n)?.docs.values() ?? [])].map(cloneDoc),
  });
  return engine.cursors.reply(`${db}.${name}`, results, (body.cursor as Doc).batchSize ?? DEFAULT_BATCH, false);
}

export const aggregateCommands: Record<string, CommandHandler> = { aggregate };
