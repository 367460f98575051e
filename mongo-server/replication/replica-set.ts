// A replica set of TestMongoServers on their own ports: one oplog the primary appends to and each secondary
// applies (after its lag), write concern counted over the members' progress, and elections (elections.ts).
import { TestMongoServer, type TestMongoServerOptions } from '../server';
import type { Doc } from '../storage';
import { Elections } from './elections';
import { ReplicaMember } from './member';
import { Oplog, type OplogChange } from './oplog';
import { membersNeeded, steppedDownError, writeConcernOf, wtimeoutError } from './write-concern';

export interface ReplicaSetOptions {
  /** How many members (data-bearing, voting, priority 1). Default 3. */
  members?: number;
  /** Default 'rs0'. */
  setName?: string;
  /** One TCP port per member; 0 or absent picks free ones. */
  ports?: number[];
  /** How long an election takes once a primary stepped down or went away. Default 100 ms. */
  electionDelayMS?: number;
  /** Replication lag of every secondary, in ms. Default 0. */
  lagMS?: number;
  ttlMonitorSleepSecs?: TestMongoServerOptions['ttlMonitorSleepSecs'];
  users?: TestMongoServerOptions['users'];
}

function checkOptions(options: ReplicaSetOptions): Required<Pick<ReplicaSetOptions, 'members' | 'setName' | 'electionDelayMS' | 'lagMS'>> {
  const { members = 3, setName = 'rs0', electionDelayMS = 100, lagMS = 0 } = options;
  if (!Number.isInteger(members) || members < 1 || members > 7) throw new TypeError(`startReplicaSet: members must be an integer from 1 to 7, got ${String(members)}`);
  if (typeof setName !== 'string' || !/^[\w-]+$/.test(setName)) throw new TypeError(`startReplicaSet: invalid setName ${String(setName)}`);
  if (options.ports !== undefined && (!Array.isArray(options.ports) || options.ports.length !== members)) {
    throw new TypeError('startReplicaSet: ports must list one port per member');
  }
  for (const [name, v] of [['electionDelayMS', electionDelayMS], ['lagMS', lagMS]] as const) {
    if (typeof v !== 'number' || !(v >= 0)) throw new TypeError(`startReplicaSet: ${name} must be a number >= 0`);
  }
  return { members, setName, electionDelayMS, lagMS };
}

export class ReplicaSet {
  readonly name: string;
  readonly oplog = new Oplog();
  readonly members: ReplicaMember[] = [];
  readonly servers: TestMongoServer[] = [];
  readonly elections: Elections;
  term = 0;
  stopped = true;
  /** Re-checked whenever a member makes progress or changes state; each returns a result once it has one. */
  private readonly waiters = new Set<() => boolean>();

  constructor(options: ReplicaSetOptions = {}) {
    const { members, setName, electionDelayMS, lagMS } = checkOptions(options);
    this.name = setName;
    this.elections = new Elections(this, electionDelayMS);
    for (let i = 0; i < members; i++) {
      const member = new ReplicaMember(this, i);
      member.lagMS = lagMS;
      const port = options.ports?.[i] ?? 0;
      const server = new TestMongoServer({ port, ttlMonitorSleepSecs: options.ttlMonitorSleepSecs, users: options.users }, member);
      this.members.push(member);
      this.servers.push(server);
    }
  }

  /** Starts every member, then elects the first one; resolves to the connection string. */
  async start(): Promise<string> {
    if (!this.stopped) throw new Error('ReplicaSet already started');
    for (const server of this.servers) await server.start();
    this.stopped = false;
    // replSetInitiate: the first member is elected and writes the set's first oplog entry.
    if (!this.primary) this.elections.elect(this.members.find((m) => m.applied === this.oplog.length) ?? this.members[0]);
    await this.elections.primaryElected();
    return this.url;
  }

  /** Stops every member; data and the oplog are kept for start(). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.elections.stop();
    for (const m of this.members) m.stopPump();
    this.progressed();
    await Promise.all(this.servers.map((s) => s.stop()));
  }

  /** mongodb://host1,host2,.../?replicaSet=name */
  get url(): string {
    return `mongodb://${this.members.map((m) => m.host).join(',')}/?replicaSet=${this.name}`;
  }

  get primary(): ReplicaMember | undefined {
    return this.members.find((m) => m.state === 'PRIMARY' && m.up);
  }

  /** Replication lag of one member (or all) in ms; Infinity pauses it until a lower lag is set. */
  setLag(ms: number, member?: number): void {
    if (typeof ms !== 'number' || !(ms >= 0)) throw new TypeError('setLag: ms must be a number >= 0 (Infinity pauses)');
    for (const m of member === undefined ? this.members : [this.members[member]]) {
      m.lagMS = ms;
      setImmediate(m.pump);
    }
  }

  /** Stops a member as if its process died; a primary is replaced by an election. */
  async stopMember(index: number): Promise<void> {
    const member = this.members[index];
    await this.servers[index].stop();
    member.stopPump();
    if (member.state === 'PRIMARY') this.elections.lost(member);
    this.progressed();
  }

  /** Restarts a stopped member as a secondary; it rolls back what the others never applied. */
  async startMember(index: number): Promise<void> {
    await this.servers[index].start();
    setImmediate(this.members[index].pump);
    this.elections.schedule();
  }

  /** The primary's writes of one command or statement: a new oplog entry, then replication to the others. */
  append(member: ReplicaMember, changes: OplogChange[]): void {
    this.oplog.append(changes, this.term);
    member.applied = this.oplog.length;
    member.lastIncrement = this.oplog.entries[member.applied - 1].ts.getLowBits();
    member.lastTerm = this.term;
    for (const m of this.members) if (m !== member) setImmediate(m.pump);
    this.progressed();
  }

  /** Entries applied by a majority of the members: the majority commit point. */
  majorityApplied(): number {
    const applied = this.members.map((m) => m.applied).sort((a, b) => b - a);
    return applied[Math.floor(this.members.length / 2)];
  }

  /** How many running members have applied the first `count` entries. */
  countApplied(count: number): number {
    return this.members.filter((m) => m.up && m.applied >= count && !this.diverged(m)).length;
  }

  /** Whether a member applied entries that are no longer in the oplog (a primary's writes lost in an election). */
  diverged(member: ReplicaMember): boolean {
    if (member.applied > this.oplog.length) return true;
    return member.applied > 0 && this.oplog.entries[member.applied - 1].ts.getLowBits() !== member.lastIncrement;
  }

  /** Rollback, simplified: a diverged member becomes a copy of the primary. False while there is no primary. */
  resync(member: ReplicaMember): boolean {
    const source = this.primary;
    if (!source) return false;
    member.engine.storage.copyFrom(source.engine.storage);
    member.txns.copyFrom(source.txns);
    member.applied = source.applied;
    member.lastIncrement = source.lastIncrement;
    member.lastTerm = source.lastTerm;
    return true;
  }

  progressed(): void {
    for (const waiter of this.waiters) if (waiter()) this.waiters.delete(waiter);
  }

  /** Resolves with `check()`'s first defined result, or undefined after timeoutMS (0: no limit) or when the set stops. */
  waitFor<T>(check: () => T | undefined, timeoutMS = 0): Promise<T | undefined> {
    const now = check();
    if (now !== undefined || this.stopped) return Promise.resolve(now);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = () => {
        const result = this.stopped ? undefined : check();
        if (result === undefined && !this.stopped) return false;
        clearTimeout(timer);
        resolve(result);
        return true;
      };
      if (timeoutMS > 0) {
        timer = setTimeout(() => {
          this.waiters.delete(waiter);
          resolve(undefined);
        }, timeoutMS);
      }
      this.waiters.add(waiter);
    });
  }

  /** Waits until the write concern holds for everything `member` has written, or says why not in writeConcernError. */
  async awaitWriteConcern(member: ReplicaMember, body: Doc, reply: Doc): Promise<Doc> {
    const wc = writeConcernOf(body);
    if (wc.w === 0) return reply;
    const needed = membersNeeded(wc, this.members.length);
    if (typeof needed !== 'number') return { ...reply, writeConcernError: needed };
    const target = member.applied;
    const outcome = await this.waitFor<'ok' | 'steppedDown'>(() => {
      if (this.countApplied(target) >= needed) return 'ok';
      return member.state === 'PRIMARY' ? undefined : 'steppedDown';
    }, wc.wtimeout);
    if (outcome === 'ok') return reply;
    return { ...reply, writeConcernError: outcome === 'steppedDown' ? steppedDownError() : wtimeoutError(wc) };
  }

  /** replSetGetStatus as seen from `self`. */
  status(self: ReplicaMember): Doc {
    const members = this.members.map((m) => ({
      _id: m.index,
      name: m.host,
      health: m.up ? 1 : 0,
      state: m.up ? (m.state === 'PRIMARY' ? 1 : 2) : 8,
      stateStr: m.up ? m.state : '(not reachable/healthy)',
      optime: this.oplog.opTime(m.applied),
      optimeDate: this.oplog.wallTime(m.applied),
      ...(m === self ? { self: true } : {}),
    }));
    return { set: this.name, date: new Date(), myState: self.state === 'PRIMARY' ? 1 : 2, term: this.term, members, ok: 1 };
  }
}

/** Starts a replica set of in-process test servers; `await rs.stop()` when done. */
export async function startReplicaSet(options: ReplicaSetOptions = {}): Promise<ReplicaSet> {
  const set = new ReplicaSet(options);
  try {
    await set.start();
  } catch (e) {
    await set.stop();
    throw e;
  }
  return set;
}
