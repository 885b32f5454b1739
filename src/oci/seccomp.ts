// The default seccomp profile: allow by default and refuse (EPERM) the
// syscalls a container has no business making — kernel modules, kexec,
// reboot, clocks, keyrings, tracing other processes, new mount namespaces
// and mounts, bpf and perf. podman ships an allow list of ~350 names; a deny
// list of the same dangerous calls is shorter to read and fails closed for
// these names on every architecture the runtime knows.

import type { OciSeccomp } from './spec-types.js';

const EPERM = 1;

export const DEFAULT_SECCOMP: OciSeccomp = {
  defaultAction: 'SCMP_ACT_ALLOW',
  architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
  syscalls: [
    {
      names: [
        'acct', 'add_key', 'bpf', 'clock_adjtime', 'clock_settime', 'create_module', 'delete_module', 'finit_module',
        'fsconfig', 'fsmount', 'fsopen', 'fspick', 'get_kernel_syms', 'init_module', 'ioperm', 'iopl', 'kcmp',
        'kexec_file_load', 'kexec_load', 'keyctl', 'lookup_dcookie', 'mount', 'mount_setattr', 'move_mount',
        'name_to_handle_at', 'nfsservctl', 'open_by_handle_at', 'open_tree', 'perf_event_open', 'pivot_root',
        'process_vm_readv', 'process_vm_writev', 'ptrace', 'query_module', 'quotactl', 'reboot', 'request_key',
        'setns', 'settimeofday', 'stime', 'swapoff', 'swapon', 'sysfs', '_sysctl', 'umount', 'umount2', 'unshare',
        'uselib', 'userfaultfd', 'ustat', 'vm86', 'vm86old',
      ],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: EPERM,
    },
  ],
};
