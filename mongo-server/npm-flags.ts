// `npm run test-server --port 27017` (no `--`) hands `--port` to npm itself: npm keeps it as its own config
// (npm_config_port=true, or the value with `--port=27017`) and passes `27017` on as a bare argument, so the
// script starts without it. Spot that and say what to type. Self-contained, for any CLI run by `npm run`.

/**
 * The message for flags of `flags` (names without `--`) that npm kept for itself instead of passing them to
 * the script, or null when every one either reached the script or was not given.
 */
export function flagsKeptByNpm(script: string, flags: readonly string[], argv: readonly string[], env: NodeJS.ProcessEnv): string | null {
  const strays = argv.filter((arg) => !arg.startsWith('-')); // values npm split off from their flag, in order
  const kept = flags.flatMap((flag) => {
    const value = env[`npm_config_${flag.replace(/-/g, '_')}`];
    const passed = argv.some((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`));
    if (value === undefined || passed) return [];
    const shown = value === 'true' || value === '' ? strays.shift() : value;
    return [shown === undefined ? `--${flag}` : `--${flag} ${shown}`];
  });
  if (kept.length === 0) return null;
  const given = kept.join(' ');
  return `npm kept ${given} for itself, so this script never saw it: write \`npm run ${script} -- ${given}\` (what follows \`--\` goes to the script)`;
}
