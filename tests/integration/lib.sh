# lib.sh -- the common start of the integration tests that drive the
# simulated cluster: the repository as the working directory, the sim's
# environment (ssh config, known_hosts, SLURM_CONF, ...) loaded, and
#   SIM      the simcluster script      CT      the clustertop binary
#   SIMJSON  `simcluster env --json`    NODES   the sim's node names
# Source it first: . "$(dirname "$0")/lib.sh"
# Env: SIM_ID (the sim under test, already up), CLUSTERTOP (the binary).
set -u
export LC_ALL=C

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
SIM=tests/sim/simcluster
CT=${CLUSTERTOP:-build/clustertop}
: "${SIM_ID:?SIM_ID must name a running sim}"
export SIM_ID
eval "$($SIM env)" || { echo "not ok - sim $SIM_ID env"; exit 1; }
SIMJSON=$($SIM env --json) || { echo "not ok - sim $SIM_ID env --json"; exit 1; }
mapfile -t NODES < <(jq -r '.nodes[].name' <<<"$SIMJSON")
