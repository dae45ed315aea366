# Reads strace -ff output (one thread's syscalls a file) and prints every successful call
# that made a descriptor without close-on-exec. c-tests/run.sh fails on any output.
function made(line) { return line ~ /= [0-9]+( |$)/ }
/^(socket|socketpair|accept4)\(/ && made($0) && !/SOCK_CLOEXEC/ { print FILENAME ": " $0; next }
/^(open|openat|openat2|pipe2|dup3|inotify_init1|memfd_create)\(/ && made($0) && !/O_CLOEXEC|MFD_CLOEXEC|IN_CLOEXEC/ { print FILENAME ": " $0; next }
/^(eventfd2|signalfd4|timerfd_create|epoll_create1)\(/ && made($0) && !/_CLOEXEC/ { print FILENAME ": " $0; next }
/^(accept|pipe|dup|dup2|epoll_create|eventfd|signalfd|inotify_init)\(/ && made($0) { print FILENAME ": " $0; next }
/^fcntl\([0-9]+, F_DUPFD,/ && made($0) { print FILENAME ": " $0; next }
