# Sourced by test.sh: `no_warnings LOG WHAT` fails (status 1, listing them) when LOG has a warning in it.
# A warning is Node's "(node:PID) ... Warning: ..." (MaxListenersExceeded, TimeoutOverflow, deprecations, the
# store's [CONNECT_MONGO_*] codes, also as test/support/warnings.ts prints one no test expected) or npm's
# "npm warn". Tests that expect a warning take it and assert it, so none is printed when all is well.
WARNING_PATTERN='\(node:[0-9]+\)|\[CONNECT_MONGO_[A-Z_]+\]|[A-Za-z]+Warning: |^npm warn'
no_warnings() {
  local found
  found="$(grep -nE "$WARNING_PATTERN" "$1" || true)"
  [ -z "$found" ] && return 0
  echo ""
  echo "$2 printed warnings; a passing run prints none:"
  echo "$found" | head -20
  return 1
}
