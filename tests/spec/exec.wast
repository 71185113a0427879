;; Execution commands of the spec script format, as `skiff wast` runs them: invoke and
;; get, assert_return with NaN patterns, v128 lanes, references and `either`, every trap
;; kind, call stack exhaustion, start functions, the spectest host module, register with
;; imports of each kind across modules, and traps during instantiation.

;; --- invoke, get, multiple results, NaN patterns ---------------------------------------
(module $num
  (global (export "answer") i32 (i32.const 42))
  (global (export "big") i64 (i64.const -1))
  (global (export "pi") f64 (f64.const 3.141592653589793))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "swap") (param i32 f64) (result f64 i32) (local.get 1) (local.get 0))
  (func (export "nothing"))
  (func (export "f32.id") (param f32) (result f32) (local.get 0))
  (func (export "f64.id") (param f64) (result f64) (local.get 0))
  (func (export "f32.div") (param f32 f32) (result f32) (f32.div (local.get 0) (local.get 1)))
  (func (export "f64.sqrt") (param f64) (result f64) (f64.sqrt (local.get 0)))
  (func (export "f32.add") (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1)))
  (func (export "f64.mul") (param f64 f64) (result f64) (f64.mul (local.get 0) (local.get 1)))
)

(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_return (invoke "add" (i32.const -1) (i32.const 1)) (i32.const 0))
(assert_return (invoke "add" (i32.const 0x7fffffff) (i32.const 1)) (i32.const 0x80000000))
(assert_return (invoke $num "add64" (i64.const -1) (i64.const -1)) (i64.const -2))
(assert_return (invoke "swap" (i32.const 7) (f64.const -0.5)) (f64.const -0.5) (i32.const 7))
(assert_return (invoke "nothing"))
(invoke "nothing")
(assert_return (get "answer") (i32.const 42))
(assert_return (get $num "big") (i64.const 0xffffffffffffffff))
(assert_return (get "pi") (f64.const 0x1.921fb54442d18p+1))

;; Floats pass through as bit patterns: -0, infinities, signalling NaN payloads.
(assert_return (invoke "f32.id" (f32.const -0.0)) (f32.const -0.0))
(assert_return (invoke "f32.id" (f32.const -inf)) (f32.const -inf))
(assert_return (invoke "f32.id" (f32.const nan:0x200000)) (f32.const nan:0x200000))
(assert_return (invoke "f32.id" (f32.const -nan:0x1)) (f32.const -nan:0x1))
(assert_return (invoke "f64.id" (f64.const nan:0x4000000000000)) (f64.const nan:0x4000000000000))
(assert_return (invoke "f64.id" (f64.const 0x1p-1074)) (f64.const 0x1p-1074))

;; nan:canonical is the quiet NaN with an empty payload, of either sign; nan:arithmetic
;; any quiet NaN.
(assert_return (invoke "f32.div" (f32.const 0) (f32.const 0)) (f32.const nan:canonical))
(assert_return (invoke "f32.div" (f32.const 0) (f32.const 0)) (f32.const nan:arithmetic))
(assert_return (invoke "f32.id" (f32.const nan)) (f32.const nan:canonical))
(assert_return (invoke "f32.id" (f32.const -nan)) (f32.const nan:canonical))
(assert_return (invoke "f32.id" (f32.const nan:0x600000)) (f32.const nan:arithmetic))
(assert_return (invoke "f32.add" (f32.const nan:0x200000) (f32.const 1)) (f32.const nan:arithmetic))
(assert_return (invoke "f64.sqrt" (f64.const -1)) (f64.const nan:canonical))
(assert_return (invoke "f64.id" (f64.const -nan:0xc000000000000)) (f64.const nan:arithmetic))
(assert_return (invoke "f64.mul" (f64.const nan:0x4000000000000) (f64.const 2)) (f64.const nan:arithmetic))

;; either: one result, several acceptable values.
(assert_return (invoke "add" (i32.const 2) (i32.const 2)) (either (i32.const 5) (i32.const 4)))
(assert_return (invoke "f32.id" (f32.const 1)) (either (f32.const nan:canonical) (f32.const 1)))

;; --- v128 lanes ------------------------------------------------------------------------
(module
  (func (export "v.id") (param v128) (result v128) (local.get 0))
  (func (export "i8x16.add") (param v128 v128) (result v128) (i8x16.add (local.get 0) (local.get 1)))
  (func (export "f32x4.div") (param v128 v128) (result v128) (f32x4.div (local.get 0) (local.get 1)))
  (func (export "f64x2.sqrt") (param v128) (result v128) (f64x2.sqrt (local.get 0)))
  (func (export "lanes") (param v128) (result i32 i64 f32 f64)
    (i32x4.extract_lane 3 (local.get 0))
    (i64x2.extract_lane 0 (local.get 0))
    (f32x4.extract_lane 1 (local.get 0))
    (f64x2.extract_lane 1 (local.get 0)))
)

(assert_return (invoke "v.id" (v128.const i8x16 -1 2 -3 4 -5 6 -7 8 -9 10 -11 12 -13 14 -15 127))
  (v128.const i8x16 -1 2 -3 4 -5 6 -7 8 -9 10 -11 12 -13 14 -15 127))
(assert_return (invoke "i8x16.add" (v128.const i8x16 255 1 2 3 4 5 6 7 8 9 10 11 12 13 14 127)
                                   (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1))
  (v128.const i8x16 0 2 3 4 5 6 7 8 9 10 11 12 13 14 15 -128))
;; The same bits seen through other lane types.
(assert_return (invoke "v.id" (v128.const i16x8 -1 0 1 2 3 4 5 0x7fff))
  (v128.const i8x16 -1 -1 0 0 1 0 2 0 3 0 4 0 5 0 -1 0x7f))
(assert_return (invoke "v.id" (v128.const i32x4 1 2 3 -1)) (v128.const i64x2 0x0000000200000001 0xffffffff00000003))
(assert_return (invoke "v.id" (v128.const f32x4 1 -0 inf nan:0x1)) (v128.const i32x4 0x3f800000 0x80000000 0x7f800000 0x7f800001))
(assert_return (invoke "v.id" (v128.const f64x2 -1.5 0x1p-1074)) (v128.const f64x2 -1.5 0x1p-1074))
(assert_return (invoke "lanes" (v128.const i32x4 0x11111111 0x22222222 0 0x40000000))
  (i32.const 0x40000000) (i64.const 0x2222222211111111) (f32.const 0x1.444444p-59) (f64.const 2))
;; NaN patterns per lane, mixed with exact lanes.
(assert_return (invoke "f32x4.div" (v128.const f32x4 0 1 -6 0) (v128.const f32x4 0 2 3 0))
  (v128.const f32x4 nan:canonical 0.5 -2 nan:arithmetic))
(assert_return (invoke "f64x2.sqrt" (v128.const f64x2 4 -4)) (v128.const f64x2 2 nan:canonical))
(assert_return (invoke "v.id" (v128.const f64x2 nan:0x8000000000001 -nan)) (v128.const f64x2 nan:arithmetic nan:canonical))

;; --- references ------------------------------------------------------------------------
(module
  (table $t 2 funcref)
  (table $e 4 externref)
  (func $f (result i32) (i32.const 1))
  (elem declare func $f)
  (func (export "extern.id") (param externref) (result externref) (local.get 0))
  (func (export "func.id") (param funcref) (result funcref) (local.get 0))
  (func (export "func.f") (result funcref) (ref.func $f))
  (func (export "func.null") (result funcref) (ref.null func))
  (func (export "is_null") (param externref) (result i32) (ref.is_null (local.get 0)))
  (func (export "set") (param i32 externref) (table.set $e (local.get 0) (local.get 1)))
  (func (export "get") (param i32) (result externref) (table.get $e (local.get 0)))
  (func (export "pair") (param externref externref) (result externref externref) (local.get 1) (local.get 0))
)

(assert_return (invoke "extern.id" (ref.extern 0)) (ref.extern 0))
(assert_return (invoke "extern.id" (ref.extern 7)) (ref.extern 7))
(assert_return (invoke "extern.id" (ref.null extern)) (ref.null extern))
(assert_return (invoke "is_null" (ref.extern 0)) (i32.const 0))
(assert_return (invoke "is_null" (ref.null extern)) (i32.const 1))
(assert_return (invoke "pair" (ref.extern 1) (ref.extern 2)) (ref.extern 2) (ref.extern 1))
(invoke "set" (i32.const 2) (ref.extern 42))
(assert_return (invoke "get" (i32.const 2)) (ref.extern 42))
(assert_return (invoke "get" (i32.const 3)) (ref.null extern))
(assert_return (invoke "func.id" (ref.null func)) (ref.null func))
(assert_return (invoke "func.null") (ref.null func))
(assert_return (invoke "func.f") (ref.func))

;; --- traps: every kind -----------------------------------------------------------------
(module
  (type $v (func))
  (type $i (func (result i32)))
  (memory 1)
  (table $t 3 funcref)
  (elem (table $t) (i32.const 0) func $g $h)
  (func $g)
  (func $h (result i32) (i32.const 5))
  (func (export "unreachable") (unreachable))
  (func (export "div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "rem_u64") (param i64 i64) (result i64) (i64.rem_u (local.get 0) (local.get 1)))
  (func (export "trunc") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
  (func (export "trunc64") (param f64) (result i64) (i64.trunc_f64_u (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "store8") (param i32) (i32.store8 offset=1 (local.get 0) (i32.const 1)))
  (func (export "table.get") (param i32) (result funcref) (table.get $t (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect $t (type $i) (local.get 0)))
  (func (export "fill") (param i32 i32) (memory.fill (local.get 0) (i32.const 0) (local.get 1)))
  (func (export "two") (param i32) (result i32 i64)
    (if (local.get 0) (then (unreachable))) (i32.const 1) (i64.const 2))
  (func $loop (export "loop") (param i32) (result i32) (call $loop (i32.add (local.get 0) (i32.const 1))))
  (func $even (export "even") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 1)) (else (call $odd (i64.sub (local.get 0) (i64.const 1))))))
  (func $odd (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 0)) (else (call $even (i64.sub (local.get 0) (i64.const 1))))))
)

(assert_trap (invoke "unreachable") "unreachable")
(assert_trap (invoke "div_s" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "div_s" (i32.const 0x80000000) (i32.const -1)) "integer overflow")
(assert_return (invoke "div_s" (i32.const -7) (i32.const 2)) (i32.const -3))
(assert_trap (invoke "rem_u64" (i64.const 1) (i64.const 0)) "integer divide by zero")
(assert_trap (invoke "trunc" (f32.const nan)) "invalid conversion to integer")
(assert_trap (invoke "trunc" (f32.const 0x1p31)) "integer overflow")
(assert_trap (invoke "trunc64" (f64.const -1)) "integer overflow")
(assert_return (invoke "trunc64" (f64.const -0.9)) (i64.const 0))
(assert_trap (invoke "load" (i32.const 65533)) "out of bounds memory access")
(assert_trap (invoke "load" (i32.const -1)) "out of bounds memory access")
(assert_return (invoke "load" (i32.const 65532)) (i32.const 0))
(assert_trap (invoke "store8" (i32.const 65535)) "out of bounds memory access")
(assert_trap (invoke "fill" (i32.const 65000) (i32.const 537)) "out of bounds memory access")
(assert_trap (invoke "table.get" (i32.const 3)) "out of bounds table access")
(assert_return (invoke "table.get" (i32.const 2)) (ref.null func))
(assert_return (invoke "call" (i32.const 1)) (i32.const 5))
(assert_trap (invoke "call" (i32.const 3)) "undefined element")
(assert_trap (invoke "call" (i32.const 2)) "uninitialized element")
(assert_trap (invoke "call" (i32.const 0)) "indirect call type mismatch")
(assert_return (invoke "two" (i32.const 0)) (i32.const 1) (i64.const 2))
(assert_trap (invoke "two" (i32.const 1)) "unreachable")
(assert_exhaustion (invoke "loop" (i32.const 0)) "call stack exhausted")
(assert_exhaustion (invoke "even" (i64.const 100000000)) "call stack exhausted")
(assert_return (invoke "even" (i64.const 1000)) (i32.const 1))
;; The machine is usable again after a trap and after exhaustion.
(assert_return (invoke "div_s" (i32.const 9) (i32.const 3)) (i32.const 3))

;; --- start functions and the spectest host module ---------------------------------------
(module $started
  (import "spectest" "print_i32" (func $print_i32 (param i32)))
  (import "spectest" "print_f64_f64" (func $print_f64_f64 (param f64 f64)))
  (import "spectest" "print" (func $print))
  (import "spectest" "global_i32" (global $gi i32))
  (import "spectest" "global_i64" (global $gl i64))
  (import "spectest" "global_f32" (global $gf f32))
  (import "spectest" "global_f64" (global $gd f64))
  (import "spectest" "table" (table $t 10 20 funcref))
  (import "spectest" "memory" (memory 1 2))
  (global $count (mut i32) (i32.const 0))
  (func $start
    (global.set $count (i32.add (global.get $count) (global.get $gi)))
    (call $print_i32 (global.get $count))
    (call $print_f64_f64 (global.get $gd) (f64.const -0.5))
    (call $print)
    (i32.store (i32.const 0) (i32.const 0x12345678)))
  (start $start)
  (func (export "count") (result i32) (global.get $count))
  (func (export "spectest.globals") (result i32 i64 f32 f64) (global.get $gi) (global.get $gl) (global.get $gf) (global.get $gd))
  (func (export "table.size") (result i32) (table.size $t))
  (func (export "table.grow") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0)))
  (func (export "memory.grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
)
(assert_return (invoke "count") (i32.const 666))
(assert_return (invoke "spectest.globals") (i32.const 666) (i64.const 666) (f32.const 666.6) (f64.const 666.6))
(assert_return (invoke "load" (i32.const 0)) (i32.const 0x12345678))
(assert_return (invoke "table.size") (i32.const 10))
(assert_return (invoke "table.grow" (i32.const 11)) (i32.const -1))
(assert_return (invoke "table.grow" (i32.const 10)) (i32.const 10))
(assert_return (invoke "memory.grow" (i32.const 2)) (i32.const -1))
(assert_return (invoke "memory.grow" (i32.const 1)) (i32.const 1))

;; The spectest memory is shared by every importer: this start function sees the store
;; above and the growth.
(module
  (import "spectest" "memory" (memory 1))
  (global $seen (mut i32) (i32.const 0))
  (func $start (global.set $seen (i32.add (i32.load (i32.const 0)) (memory.size))))
  (start $start)
  (func (export "seen") (result i32) (global.get $seen))
)
(assert_return (invoke "seen") (i32.const 0x1234567a))
(assert_return (invoke $started "count") (i32.const 666))

;; --- register: imports of each kind across modules ----------------------------------------
(module $lib
  (global $g (export "g") (mut i32) (i32.const 10))
  (global (export "k") f64 (f64.const 2.5))
  (memory (export "mem") 1 3)
  (table (export "tab") 2 funcref)
  (func $inc (export "inc") (param i32) (result i32) (i32.add (local.get 0) (global.get $g)))
  (func (export "bump") (global.set $g (i32.add (global.get $g) (i32.const 1))))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func $seven (result i32) (i32.const 7))
  (elem (i32.const 0) $seven)
  (data (i32.const 100) "lib")
)
(register "lib" $lib)
(module $other (func (export "nothing")))
(register "other")

(module $user
  (import "lib" "inc" (func $inc (param i32) (result i32)))
  (import "lib" "bump" (func $bump))
  (import "lib" "g" (global $g (mut i32)))
  (import "lib" "k" (global $k f64))
  (import "lib" "mem" (memory 1))
  (import "lib" "tab" (table 2 funcref))
  (import "other" "nothing" (func $nothing))
  (type $i (func (result i32)))
  (func $nine (result i32) (i32.const 9))
  (elem (i32.const 1) $nine)
  (data (i32.const 0) "\2a")
  (func (export "inc") (param i32) (result i32) (call $nothing) (call $inc (local.get 0)))
  (func (export "g") (result i32) (global.get $g))
  (func (export "set-g") (param i32) (global.set $g (local.get 0)))
  (func (export "k") (result f64) (global.get $k))
  (func (export "grow") (result i32) (memory.grow (i32.const 1)))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $i) (local.get 0)))
)
(assert_return (invoke $user "inc" (i32.const 1)) (i32.const 11))
(invoke $lib "bump")
(assert_return (invoke $user "inc" (i32.const 1)) (i32.const 12))
(assert_return (invoke $user "g") (i32.const 11))
(invoke $user "set-g" (i32.const 100))
(assert_return (get $lib "g") (i32.const 100))
(assert_return (invoke $user "k") (f64.const 2.5))
;; Memory: the user's data segment and growth are the library's.
(assert_return (invoke $lib "peek" (i32.const 0)) (i32.const 42))
(assert_return (invoke $user "peek" (i32.const 101)) (i32.const 0x69))
(assert_return (invoke $user "grow") (i32.const 1))
(assert_return (invoke $lib "peek" (i32.const 131071)) (i32.const 0))
;; Table: the library's function at 0, the user's at 1, called from either side.
(assert_return (invoke $user "call" (i32.const 0)) (i32.const 7))
(assert_return (invoke $user "call" (i32.const 1)) (i32.const 9))

(assert_unlinkable
  (module (import "lib" "missing" (func)))
  "unknown import")
(assert_unlinkable
  (module (import "lib" "inc" (func (param i64))))
  "incompatible import type")
(assert_unlinkable
  (module (import "lib" "g" (global i32)))
  "incompatible import type")

;; --- traps during instantiation -----------------------------------------------------------
;; The start function traps: the module is not instantiated...
(assert_trap
  (module
    (import "lib" "g" (global $g (mut i32)))
    (func $start (global.set $g (i32.const 5)) (unreachable))
    (start $start))
  "unreachable")
;; ...but what it did before the trap stays done.
(assert_return (get $lib "g") (i32.const 5))

;; A data segment out of bounds: the element segment before it was applied.
(assert_trap
  (module
    (import "lib" "tab" (table 2 funcref))
    (import "lib" "mem" (memory 1))
    (func $eleven (result i32) (i32.const 11))
    (elem (i32.const 0) $eleven)
    (data (i32.const 0) "\01")
    (data (i32.const 0x30000) "x"))
  "out of bounds memory access")
(assert_return (invoke $user "call" (i32.const 0)) (i32.const 11))
(assert_return (invoke $lib "peek" (i32.const 0)) (i32.const 1))
;; An element segment out of bounds.
(assert_trap
  (module
    (import "lib" "tab" (table 2 funcref))
    (func $f)
    (elem (i32.const 2) $f))
  "out of bounds table access")
;; A trap in the start function that comes from a host-module import chain.
(assert_trap
  (module
    (import "lib" "inc" (func $inc (param i32) (result i32)))
    (func $start (drop (i32.div_u (call $inc (i32.const 0)) (i32.const 0))))
    (start $start))
  "integer divide by zero")

;; A failed module does not replace the current one.
(assert_return (invoke "call" (i32.const 1)) (i32.const 9))
