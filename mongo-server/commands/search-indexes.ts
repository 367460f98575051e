// Atlas Search: mongod without a search process refuses its index commands and stages with SearchNotEnabled,
// in the words MongoDB 7.3+ uses (they name Atlas), so that an app sees the error it would get from mongod.
import { CommandError } from '../errors';
import type { CommandHandler } from '../types';

const SEARCH_NOT_ENABLED = 31082;

export const searchIndexCommandsRefused = () =>
  new CommandError(
    SEARCH_NOT_ENABLED,
    'Using Atlas Search Database Commands and the $listSearchIndexes aggregation stage requires additional configuration. ' +
      'Please connect to Atlas or an AtlasCLI local deployment to enable. ' +
      'For more information on how to connect, see https://dochub.mongodb.org/core/atlas-cli-deploy-local-reqs.',
  );

// mongod's own message has no space after "enable.".
export const searchStagesRefused = () =>
  new CommandError(
    SEARCH_NOT_ENABLED,
    'Using $search and $vectorSearch aggregation stages requires additional configuration. ' +
      'Please connect to Atlas or an AtlasCLI local deployment to enable.' +
      'For more information on how to connect, see https://dochub.mongodb.org/core/atlas-cli-deploy-local-reqs.',
  );

/** Stages refused as mongod refuses them when no search process is configured. */
export function refuseSearchStage(stageName: string): void {
  if (stageName === '$listSearchIndexes') throw searchIndexCommandsRefused();
  if (stageName === '$search' || stageName === '$searchMeta' || stageName === '$vectorSearch') throw searchStagesRefused();
}

const refuse: CommandHandler = () => {
  throw searchIndexCommandsRefused();
};

export const searchIndexCommands: Record<string, CommandHandler> = {
  createSearchIndexes: refuse,
  updateSearchIndex: refuse,
  dropSearchIndex: refuse,
};
