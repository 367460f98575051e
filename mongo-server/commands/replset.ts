// Replica set administration: replSetStepDown, replSetFreeze and replSetGetStatus (admin database only). A
// standalone server answers them as a mongod started without --replSet does.
import { CommandError, badValue } from '../errors';
import { checkFields } from '../query';
import type { ReplicaMember } from '../replication/member';
import type { Doc } from '../storage';
import type { Command, CommandHandler } from '../types';
import { requireAdmin } from './admin';

function memberOf({ name, body, engine }: Command): ReplicaMember {
  requireAdmin(name, body);
  if (!engine.replica) throw new CommandError(76, 'not running with --replSet');
  return engine.replica;
}

/** mongod reads these as whole seconds; anything but a number counts as 0. */
const seconds = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0);

async function replSetStepDown(command: Command): Promise<Doc> {
  const member = memberOf(command);
  const { body } = command;
  checkFields('replSetStepDown', body, ['secondaryCatchUpPeriodSecs', 'force']);
  const force = body.force === true || body.force === 1;
  let stepDownSecs = seconds(body.replSetStepDown);
  if (stepDownSecs === 0) stepDownSecs = 60;
  if (stepDownSecs < 0) throw badValue('stepdown period must be a positive integer');
  const catchUpSecs = body.secondaryCatchUpPeriodSecs === undefined ? (force ? 0 : 10) : seconds(body.secondaryCatchUpPeriodSecs);
  if (catchUpSecs < 0) throw badValue('secondaryCatchUpPeriodSecs period must be a positive or absent');
  if (stepDownSecs < catchUpSecs) throw badValue('stepdown period must be longer than secondaryCatchUpPeriodSecs');
  await member.set.elections.stepDown(member, { stepDownSecs, catchUpSecs, force });
  return { ok: 1 };
}

function replSetFreeze(command: Command): Doc {
  const member = memberOf(command);
  checkFields('replSetFreeze', command.body, []);
  return member.set.elections.freeze(member, seconds(command.body.replSetFreeze));
}

function replSetGetStatus(command: Command): Doc {
  const member = memberOf(command);
  checkFields('replSetGetStatus', command.body, [], ['initialSync']);
  return member.set.status(member);
}

export const replSetCommands: Record<string, CommandHandler> = { replSetStepDown, replSetFreeze, replSetGetStatus };
