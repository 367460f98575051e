// Elections, simplified from mongod's: a member wins when it is electable (up, secondary, not frozen) and at least
// as up to date as a majority of the running members, which is what their votes require. replSetStepDown waits
// for an electable secondary to catch up, then hands the election to it; a primary that goes away is replaced
// after the election delay. The winner's history is the set's: entries only others had are rolled back.
import { CommandError } from '../errors';
import type { Doc } from '../storage';
import type { ReplicaMember } from './member';
import type { ReplicaSet } from './replica-set';

export interface StepDownArgs {
  stepDownSecs: number;
  catchUpSecs: number;
  force: boolean;
}

/** Compares two members' last applied optimes (term, then timestamp), as voters do. */
const newer = (a: ReplicaMember, b: ReplicaMember) => a.lastTerm - b.lastTerm || a.lastIncrement - b.lastIncrement;

export class Elections {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly set: ReplicaSet,
    private readonly delayMS: number,
  ) {}

  private get majority(): number {
    return Math.floor(this.set.members.length / 2) + 1;
  }

  electable(m: ReplicaMember, now = Date.now()): boolean {
    return m.up && m.state === 'SECONDARY' && m.frozenUntil <= now && !this.set.diverged(m);
  }

  /** Whether `c` would get the votes of a majority: running members no more up to date than it is. */
  private wins(c: ReplicaMember): boolean {
    return this.electable(c) && this.set.members.filter((m) => m.up && newer(m, c) <= 0).length >= this.majority;
  }

  /** Makes `winner` primary in a new term; its oplog is the set's from now on. */
  elect(winner: ReplicaMember): void {
    const { set } = this;
    for (const m of set.members) if (m.state === 'PRIMARY') this.demote(m);
    set.term += 1;
    set.oplog.truncate(winner.applied);
    winner.state = 'PRIMARY';
    winner.stopPump();
    winner.engine.storage.onChange = winner.record;
    // A new primary writes a no-op at the start of its term, as mongod does.
    set.append(winner, [{ op: 'noop', msg: 'new primary' }]);
    // A member's hello names the primary it knows: each changed.
    for (const m of set.members) m.changed();
  }

  private demote(m: ReplicaMember): void {
    m.state = 'SECONDARY';
    m.engine.storage.onChange = undefined;
  }

  /** The primary stepped down or went away: writes waiting for replication hear of it, an election follows. */
  lost(primary: ReplicaMember, candidate?: ReplicaMember): void {
    this.demote(primary);
    for (const m of this.set.members) m.changed();
    this.set.progressed();
    this.schedule(candidate);
  }

  /** An election after the delay, for `candidate` (a stepdown's handoff) or whoever can win; retried until one wins. */
  schedule(candidate?: ReplicaMember): void {
    if (this.set.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.set.primary || this.set.stopped) return;
      const winner = candidate && this.wins(candidate) ? candidate : this.winner();
      if (winner) this.elect(winner);
      else this.schedule();
    }, this.delayMS).unref();
  }

  private winner(): ReplicaMember | undefined {
    const candidates = this.set.members.filter((m) => this.wins(m));
    // The most up to date; on a tie, the lowest member index.
    return candidates.sort((a, b) => newer(b, a) || a.index - b.index)[0];
  }

  primaryElected(): Promise<ReplicaMember | undefined> {
    return this.set.waitFor(() => this.set.primary);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A majority has everything the primary wrote, and an electable secondary does too (mongod's isSafeToStepDown). */
  private handoffCandidate(primary: ReplicaMember): ReplicaMember | undefined {
    if (this.set.countApplied(primary.applied) < this.majority) return undefined;
    return this.set.members.find((m) => m !== primary && this.electable(m) && m.applied >= primary.applied);
  }

  /** replSetStepDown: not writable while secondaries catch up (writes wait), then a secondary for stepDownSecs. */
  async stepDown(primary: ReplicaMember, { stepDownSecs, catchUpSecs, force }: StepDownArgs): Promise<void> {
    if (primary.state !== 'PRIMARY' || primary.steppingDown) throw new CommandError(10107, "not primary so can't step down");
    let release!: () => void;
    primary.steppingDown = new Promise<void>((resolve) => (release = resolve));
    primary.changed();
    try {
      const catchUp = () => this.handoffCandidate(primary);
      const candidate = catchUp() ?? (catchUpSecs > 0 ? await this.set.waitFor(catchUp, catchUpSecs * 1000) : undefined);
      if (primary.state !== 'PRIMARY') throw new CommandError(189, 'While waiting for secondaries to catch up before stepping down, this node decided to step down for other reasons');
      if (!candidate && !force) {
        throw new CommandError(
          262,
          `No electable secondaries caught up as of ${new Date().toISOString()}. Please use the replSetStepDown command with the argument {force: true} to force node to step down.`,
        );
      }
      primary.frozenUntil = Date.now() + stepDownSecs * 1000;
      this.lost(primary, candidate);
    } finally {
      primary.steppingDown = undefined;
      release();
      primary.changed();
    }
  }

  /** replSetFreeze: no election of this member for `secs` seconds; 0 unfreezes. */
  freeze(member: ReplicaMember, secs: number): Doc {
    if (member.state === 'PRIMARY') throw new CommandError(95, 'Cannot freeze node when primary or running for election, state: Primary');
    if (secs === 0) {
      member.frozenUntil = 0;
      if (!this.set.primary) this.schedule();
      return { info: 'unfreezing', ok: 1 };
    }
    member.frozenUntil = Math.max(member.frozenUntil, Date.now() + secs * 1000);
    return secs === 1 ? { warning: 'you really want to freeze for only 1 second?', ok: 1 } : { ok: 1 };
  }
}
