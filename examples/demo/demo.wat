;; A small module that uses most of WebAssembly 2.0: imports of every kind, memory with
;; active and passive data, a table with element segments, globals, multi-value blocks,
;; bulk memory, reference types and SIMD. `make demo` inspects and validates it.
(module $demo
  (import "env" "log" (func $log (param i32 i32)))
  (import "env" "counter" (global $counter (mut i32)))
  (import "env" "shared_table" (table 1 funcref))
  (type $binop (func (param i32 i32) (result i32)))

  (memory (export "memory") 1 16)
  (data (i32.const 0) "hello from skiff\n")
  (data $tail "passive bytes")

  (table $ops 4 funcref)
  (elem (table $ops) (i32.const 0) func $add $sub)
  (elem $more func $mul)
  (elem declare func $mul)

  (global $calls (mut i64) (i64.const 0))
  (global $pi f64 (f64.const 3.14159))

  (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $binop) (i32.sub (local.get 0) (local.get 1)))
  (func $mul (type $binop) (i32.mul (local.get 0) (local.get 1)))

  ;; Calls one of the table's operations; multi-value block hands both operands on.
  (func (export "apply") (param $op i32) (param $a i32) (param $b i32) (result i32)
    (global.set $calls (i64.add (global.get $calls) (i64.const 1)))
    (local.get $a) (local.get $b)
    (block (param i32 i32) (result i32)
      (call_indirect (type $binop) (local.get $op))))

  ;; Copies the passive segment into memory at `dst` and logs it.
  (func (export "greet") (param $dst i32)
    (memory.init $tail (local.get $dst) (i32.const 0) (i32.const 13))
    (data.drop $tail)
    (call $log (local.get $dst) (i32.const 13)))

  ;; Sum of four lanes with SIMD.
  (func (export "sum4") (param i32 i32 i32 i32) (result i32)
    (local $v v128)
    (local.set $v (i32x4.splat (local.get 0)))
    (local.set $v (i32x4.replace_lane 1 (local.get $v) (local.get 1)))
    (local.set $v (i32x4.replace_lane 2 (local.get $v) (local.get 2)))
    (local.set $v (i32x4.replace_lane 3 (local.get $v) (local.get 3)))
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
      (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))

  (func (export "get_ref") (result funcref) (ref.func $mul))

  (func $init (global.set $counter (i32.const 1)))
  (start $init)
)
