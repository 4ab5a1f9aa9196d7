# Client end-to-end tests (Docker, containerd, podman), their benchmark and the client
# configuration users copy: shipped in the tarball, run by tests/run-all.sh (root, real daemons).
EXTRA_DIST += \
	tests/clients/run.sh tests/clients/lib.sh tests/clients/docker.sh \
	tests/clients/containerd.sh tests/clients/podman.sh tests/clients/ptyrun.py \
	tests/clients/cri.py tests/bench/clients.sh \
	contrib/docker/daemon.json contrib/docker/README.md contrib/containerd/config.toml \
	contrib/kubernetes/runtimeclass.yaml contrib/podman/containers.conf \
	contrib/systemd/flashcube-cache.service contrib/flashcube-cache.conf
