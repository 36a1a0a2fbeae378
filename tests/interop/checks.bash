# The checking vocabulary of the interop scripts (sourced by pkcs11_common.bash and
# vpcd_common.bash, which set $WORK first). `check` runs one step and counts failures;
# `finish` says how many passed and fails if any did not.

failures=0
checks=0

# check DESCRIPTION COMMAND...: runs the command, output to $WORK/out; counts a failure.
check() {
    local what=$1
    shift
    checks=$((checks + 1))
    if "$@" >"$WORK/out" 2>&1; then
        echo "ok   $what"
    else
        failures=$((failures + 1))
        echo "FAIL $what"
        sed 's/^/     | /' "$WORK/out" | tail -15
    fi
}

# negate COMMAND...: succeeds when the command (a function is fine) fails.
negate() { ! "$@"; }

# expect_fail DESCRIPTION COMMAND...: the command must fail.
expect_fail() {
    local what=$1
    shift
    check "$what" negate "$@"
}

# contains PATTERN COMMAND...: the command succeeds and its output matches PATTERN.
contains() {
    local pattern=$1
    shift
    local output
    output=$("$@" 2>&1) || { echo "$output"; return 1; }
    grep -qE -- "$pattern" <<<"$output" || { echo "$output"; echo "(no match for: $pattern)"; return 1; }
}

# lacks PATTERN COMMAND...: the command succeeds and its output does not match PATTERN.
lacks() {
    local pattern=$1
    shift
    local output
    output=$("$@" 2>&1) || { echo "$output"; return 1; }
    ! grep -qE -- "$pattern" <<<"$output" || { echo "$output"; echo "(unexpected: $pattern)"; return 1; }
}

# fails_with PATTERN COMMAND...: the command fails and its output matches PATTERN (a CKR_).
fails_with() {
    local pattern=$1
    shift
    local output
    if output=$("$@" 2>&1); then
        echo "$output"
        echo "(succeeded, expected a failure matching: $pattern)"
        return 1
    fi
    grep -qE -- "$pattern" <<<"$output" || { echo "$output"; echo "(no match for: $pattern)"; return 1; }
}

# wait_for SECONDS COMMAND...: until the command succeeds, or fails after SECONDS (a whole
# number; measured in milliseconds, so `wait_for 1` really waits a second).
wait_for() {
    local deadline=$(($(date +%s%3N) + $1 * 1000))
    shift
    until "$@" >/dev/null 2>&1; do
        (($(date +%s%3N) < deadline)) || return 1
        sleep 0.05
    done
}

finish() {
    echo "$((checks - failures)) of $checks checks passed"
    ((failures == 0))
}
