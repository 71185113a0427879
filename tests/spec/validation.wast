;; Module-level validation: constant expressions, globals, start function, exports,
;; memories and their limits, references (ref.func declarations), locals and calls.

;; What the next module imports, registered as "env".
(module $env
  (func $f)
  (global (export "base") i32 (i32.const 8))
  (global (export "fref") funcref (ref.func $f)))
(register "env" $env)

(module
  (import "env" "base" (global $base i32))
  (import "env" "fref" (global $fref funcref))
  (memory 1 65536)
  (global $a i32 (global.get $base))
  (global $b (mut i64) (i64.const -1))
  (global $c funcref (ref.func $declared_by_global))
  (global $d externref (ref.null extern))
  (global $e v128 (v128.const i32x4 1 2 3 4))
  (global $f funcref (global.get $fref))
  (func $declared_by_global)
  (func $declared_by_export (export "f"))
  (func $declared_by_elem)
  (elem declare func $declared_by_elem)
  (func $start)
  (start $start)
  (func (export "refs") (result funcref funcref funcref)
    (ref.func $declared_by_global) (ref.func $declared_by_export) (ref.func $declared_by_elem))
  (export "g" (global $b))
  (export "m" (memory 0))
)

;; --- constant expressions -------------------------------------------------------

(assert_invalid
  (module (global i32 (i32.const 0)) (global i32 (global.get 0)))
  "unknown global")
(assert_invalid
  (module (import "env" "g" (global (mut i32))) (global i32 (global.get 0)))
  "constant expression required")
(assert_invalid
  (module (global i32 (i32.add (i32.const 1) (i32.const 2))))
  "constant expression required")
(assert_invalid
  (module (global i32 (nop) (i32.const 1)))
  "constant expression required")
(assert_invalid
  (module (global i32 (i64.const 0)))
  "type mismatch")
(assert_invalid
  (module (global i32))
  "type mismatch")
(assert_invalid
  (module (global i32 (i32.const 0) (i32.const 0)))
  "type mismatch")
(assert_invalid
  (module (global funcref (ref.null extern)))
  "type mismatch")
(assert_invalid
  (module (global funcref (ref.func 1)) (func))
  "unknown function")
(assert_invalid
  (module (memory 1) (data (i64.const 0) ""))
  "type mismatch")
(assert_invalid
  (module (memory 1) (data (offset (i32.const 0) (i32.const 0)) ""))
  "type mismatch")
(assert_invalid
  (module (table 1 funcref) (elem (global.get 0)))
  "unknown global")

;; --- globals --------------------------------------------------------------------

(assert_invalid
  (module (global i32 (i32.const 0)) (func (global.set 0 (i32.const 1))))
  "global is immutable")
(assert_invalid
  (module (func (result i32) (global.get 0)))
  "unknown global")
(assert_invalid
  (module (global (mut i32) (i32.const 0)) (func (global.set 0 (i64.const 1))))
  "type mismatch")

;; --- start function -------------------------------------------------------------

(assert_invalid
  (module (func (result i32) (i32.const 0)) (start 0))
  "start function")
(assert_invalid
  (module (func (param i32)) (start 0))
  "start function")
(assert_invalid
  (module (func) (start 1))
  "unknown function")

;; --- exports --------------------------------------------------------------------

(assert_invalid
  (module (func) (export "a" (func 0)) (export "a" (func 0)))
  "duplicate export name")
(assert_invalid
  (module (func) (memory 1) (export "a" (func 0)) (export "a" (memory 0)))
  "duplicate export name")
(assert_invalid
  (module (export "f" (func 0)))
  "unknown function")
(assert_invalid
  (module (export "t" (table 0)))
  "unknown table")
(assert_invalid
  (module (export "m" (memory 0)))
  "unknown memory")
(assert_invalid
  (module (export "g" (global 0)))
  "unknown global")

;; --- memories and limits --------------------------------------------------------

(assert_invalid
  (module (memory 1) (memory 1))
  "multiple memories")
(assert_invalid
  (module (import "env" "m" (memory 1)) (memory 1))
  "multiple memories")
(assert_invalid
  (module (memory 65537))
  "memory size must be at most 65536 pages (4GiB)")
(assert_invalid
  (module (memory 0 65537))
  "memory size must be at most 65536 pages (4GiB)")
(assert_invalid
  (module (import "env" "m" (memory 65537)))
  "memory size must be at most 65536 pages (4GiB)")
(assert_invalid
  (module (memory 2 1))
  "size minimum must not be greater than maximum")
(assert_invalid
  (module (table 3 2 funcref))
  "size minimum must not be greater than maximum")

;; --- references -----------------------------------------------------------------

(assert_invalid
  (module (func $f (result funcref) (ref.func $f)))
  "undeclared function reference")
(assert_invalid
  (module (func (result funcref) (ref.func 3)))
  "unknown function")
(assert_invalid
  (module (func (result i32) (i32.const 0) (ref.is_null)))
  "type mismatch")

;; --- locals, calls, memory access -------------------------------------------------

(assert_invalid
  (module (func (result i32) (local.get 0)))
  "unknown local")
(assert_invalid
  (module (func (param i32) (local i64) (local.set 1 (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (func (call 1)))
  "unknown function")
(assert_invalid
  (module (func (param i32 i64)) (func (call 0 (i64.const 0) (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (type (func)) (func (call_indirect (type 0) (i32.const 0))))
  "unknown table")
(assert_invalid
  (module (table 1 externref) (type (func)) (func (call_indirect (type 0) (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (i32.load (i32.const 0))))
  "unknown memory")
(assert_invalid
  (module (func (result i32) (memory.size)))
  "unknown memory")
(assert_invalid
  (module (memory 1) (func (result i32) (i32.load align=8 (i32.const 0))))
  "alignment must not be larger than natural")
(assert_invalid
  (module (memory 1) (func (i64.store16 align=4 (i32.const 0) (i64.const 0))))
  "alignment must not be larger than natural")
