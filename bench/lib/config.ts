// Run sizes. Full: the real figures (<= ~8 min on 2 cores). Quick: the same measurements, smaller.
export interface Config {
  quick: boolean;
  opsRounds: number; // measured A/B rounds per cell (plus one unrecorded warm-up/calibration round)
  opsTargetMs: number; // wanted length of one store's round; sets the op count per store
  opsMaxOps: number;
  pool: number; // pre-created sessions per store and mode (get hit, set update, touch)
  elRounds: number;
  elMs: number; // length of one event-loop round
  elConcurrency: number;
  expressRounds: number;
  expressSec: number;
  expressConnections: number;
  allN: number;
  allRounds: number;
  commandsReps: number;
  overheadRounds: number; // ours encrypted vs ours plain, concurrency 1: a small difference needs more rounds
  overheadOpsPerRound: number; // per store; the stores take turns op by op
  growthSizes: number[]; // stored sessions
  growthRounds: number;
  growthAllMax: number; // all() (every session in memory at once) up to this size
  sizeRounds: number;
  sessionSizes: number[]; // bytes of session JSON
}

export function config(quick: boolean): Config {
  return quick
    ? {
        quick,
        opsRounds: 3,
        opsTargetMs: 50,
        opsMaxOps: 2000,
        pool: 64,
        elRounds: 2,
        elMs: 400,
        elConcurrency: 200,
        expressRounds: 2,
        expressSec: 1.5,
        expressConnections: 10,
        allN: 200,
        allRounds: 2,
        commandsReps: 2,
        overheadRounds: 3,
        overheadOpsPerRound: 60,
        growthSizes: [1000, 10_000],
        growthRounds: 2,
        growthAllMax: 10_000,
        sizeRounds: 2,
        sessionSizes: [1024, 16 * 1024, 256 * 1024],
      }
    : {
        quick,
        opsRounds: 7,
        opsTargetMs: 200,
        opsMaxOps: 6000,
        pool: 256,
        elRounds: 3,
        elMs: 2000,
        elConcurrency: 200,
        expressRounds: 5,
        expressSec: 3,
        expressConnections: 10,
        allN: 2000,
        allRounds: 9,
        commandsReps: 10,
        overheadRounds: 11,
        overheadOpsPerRound: 300,
        growthSizes: [1000, 10_000, 100_000],
        growthRounds: 5,
        growthAllMax: 100_000,
        sizeRounds: 3,
        sessionSizes: [1024, 16 * 1024, 256 * 1024],
      };
}
