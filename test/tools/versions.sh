# Pinned versions of the real tools the tests (and the image) use beside the control plane; sourced by build.sh.
# helm v3.22.0 and kustomize v5.8.1 are the newest this machine's Go (1.26) builds; Gitea v1.26.0 was tried here.
HELM_VERSION=3.22.0
KUSTOMIZE_VERSION=5.8.1
GITEA_VERSION=1.26.0
