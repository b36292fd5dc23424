#!/bin/sh
# expect_status.sh EXPECTED COMMAND [ARG ...]: runs COMMAND, passes its output through, and fails
# (exit 1, "UNEXPECTED EXIT STATUS") when it ends with another status than EXPECTED, or by a
# signal: a command-line test then fails even when its expected lines were printed before a crash.
# A status of 77 (the test cannot run here) is passed on, for ctest's SKIP_RETURN_CODE.
expected=$1
shift
"$@"
status=$?
if [ "$status" -eq 77 ] && [ "$expected" -ne 77 ]; then exit 77; fi
if [ "$status" -ne "$expected" ]; then
  if [ "$status" -gt 128 ]; then
    echo "UNEXPECTED EXIT STATUS $status (killed by signal $((status - 128)); expected $expected)"
  else
    echo "UNEXPECTED EXIT STATUS $status (expected $expected)"
  fi
  exit 1
fi
echo "exit status $status, as expected"
