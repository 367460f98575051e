// autocannon ships no types; the benchmark uses only this much of it.
declare module 'autocannon' {
  interface Histogram { average: number; p50: number; p99: number; max: number; total?: number }
  export interface Result {
    requests: Histogram & { total: number; sent: number };
    latency: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
  }
  export default function autocannon(opts: Record<string, unknown>): Promise<Result>;
}
