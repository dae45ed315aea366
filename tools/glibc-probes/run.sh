#!/bin/sh
# usage: run.sh HOSTS SERVICES [GAICONF] < queries ; runs ./gai in a private mount+net namespace
G=${3:-}
exec unshare -m -n sh -c "ip link set lo up; ip addr add 10.0.0.1/8 dev lo; ip addr add 2001:db8::1/32 dev lo; mount --bind '$1' /etc/hosts && mount --bind '$2' /etc/services && echo 'hosts: files' > /tmp/numeric-probe/nss && mount --bind /tmp/numeric-probe/nss /etc/nsswitch.conf && if [ -n '$G' ]; then mount --bind '$G' /etc/gai.conf; fi; /tmp/numeric-probe/gai"
