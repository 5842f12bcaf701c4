package index

import "syscall"

var enospc error = syscall.ENOSPC
