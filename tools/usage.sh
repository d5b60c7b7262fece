# SPDX-License-Identifier: GPL-2.0
#
# Sourced (not run) by the scripts in tools/ and tests/: their usage line,
# on standard output for --help (exit 0), or on standard error with exit 2
# when they get too few or too many arguments. POSIX sh: busybox runs it.
#
#   . "$(dirname "$0")/usage.sh"
#   mw_usage MIN MAX 'tools/x A B [C]' "$@"     (MAX -: no limit)
mw_usage() {
	_mw_min=$1 _mw_max=$2 _mw_line=$3
	shift 3
	case ${1-} in
	-h | --help)
		echo "usage: $_mw_line"
		exit 0
		;;
	esac
	if [ $# -lt "$_mw_min" ] || { [ "$_mw_max" != - ] && [ $# -gt "$_mw_max" ]; }; then
		echo "usage: $_mw_line" >&2
		exit 2
	fi
}

# A bad value of an argument: what is wrong, then the usage line; exit 2.
mw_usage_bad() { # message
	echo "$(basename "$0"): $1" >&2
	echo "usage: $_mw_line" >&2
	exit 2
}
