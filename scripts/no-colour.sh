# Sourced by test.sh and driver-matrix.sh: no ANSI colour codes when stdout is not a terminal (a CI log, a
# file, a pipe). vitest colours by default even then, and reads any FORCE_COLOR (even 0) as "colour"; so
# FORCE_COLOR=0 becomes NO_COLOR, and any other FORCE_COLOR is left to win.
if [ ! -t 1 ]; then
  if [ "${FORCE_COLOR-}" = "0" ] || [ "${FORCE_COLOR-}" = "false" ]; then unset FORCE_COLOR; fi
  if [ -z "${FORCE_COLOR+set}" ]; then export NO_COLOR=1; fi
fi
