# Pinned versions of the local control plane; sourced by build.sh and read by control-plane.ts.
# 1.32.2: the newest 1.32 patch whose every staging module the module proxy here serves.
K8S_VERSION=1.32.2
ETCD_VERSION=3.5.21
KWOK_VERSION=0.7.0
