;; Hostile pointers: every call must fail with EFAULT (21), never crash the
;; host. Prints "efault ok" and exits 0 when all of them do.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "efault ok\n")
  (func $check (param $r i32) (param $bit i32) (param $acc i32) (result i32)
    (if (result i32) (i32.eq (local.get $r) (i32.const 21))
      (then (local.get $acc)) (else (i32.or (local.get $acc) (local.get $bit)))))
  (func (export "_start")
    (local $bad i32)
    ;; iovec pointing past the end of memory
    (i32.store (i32.const 0) (i32.const 65530))
    (i32.store (i32.const 4) (i32.const 100))
    (local.set $bad (call $check (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))
                                 (i32.const 1) (local.get $bad)))
    ;; iovec array itself out of bounds, huge count
    (local.set $bad (call $check (call $fd_write (i32.const 1) (i32.const 65535) (i32.const -1) (i32.const 8))
                                 (i32.const 2) (local.get $bad)))
    ;; result pointer wraps around
    (local.set $bad (call $check (call $args_get (i32.const -4) (i32.const 0))
                                 (i32.const 4) (local.get $bad)))
    (local.set $bad (call $check (call $random_get (i32.const 65000) (i32.const 1000))
                                 (i32.const 8) (local.get $bad)))
    (local.set $bad (call $check (call $path_open (i32.const 3) (i32.const 0) (i32.const -1) (i32.const 8)
                                   (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 0))
                                 (i32.const 16) (local.get $bad)))
    (if (i32.eqz (local.get $bad))
      (then
        (i32.store (i32.const 0) (i32.const 16))
        (i32.store (i32.const 4) (i32.const 10))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
    (call $exit (local.get $bad))))
