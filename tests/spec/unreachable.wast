;; Typing of unreachable code and of control instructions: the polymorphic operand
;; stack, br_table over labels of different types, select on bottom operands,
;; multi-value blocks with parameters, and `if` without `else`.

(module
  (type $i32-pair (func (param i32 i32) (result i32 i32)))

  ;; select of three bottom operands yields a value of any type
  (func (export "select-bottom-i32") (result i32) (unreachable) (select))
  (func (export "select-bottom-f64") (result f64) (unreachable) (select))
  ;; one known operand decides the result type
  (func (export "select-one-known") (result i64)
    (unreachable) (i64.const 1) (i32.const 0) (select))

  ;; br_table to labels of different types is fine when the operand is bottom
  (func (export "meet-bottom")
    (block (result f64)
      (block (result f32)
        (unreachable)
        (br_table 0 1 1 (i32.const 1)))
      (drop)
      (f64.const 0))
    (drop))

  ;; instructions after br/return/unreachable see a polymorphic stack
  (func (export "after-br") (result i32)
    (block (result i32) (i32.const 1) (br 0) (i32.add)))
  (func (export "after-return") (result i32)
    (return (i32.const 1)) (i64.add) (drop) (i32.eqz))
  (func (export "after-unreachable-ref") (result i32)
    (unreachable) (ref.is_null))

  ;; multi-value block and loop with parameters
  (func (export "block-params") (result i32)
    (i32.const 1) (i32.const 2)
    (block (type $i32-pair) (param i32 i32) (result i32 i32))
    (i32.add))
  (func (export "loop-params") (result i32)
    (i32.const 1) (i32.const 2)
    (loop (param i32 i32) (result i32) (i32.add)))
  ;; if without else: params equal results
  (func (export "if-passthrough") (param i32) (result i32)
    (local.get 0)
    (if (param i32) (result i32) (local.get 0) (then (i32.const 1) (i32.add))))
)

;; --- select ------------------------------------------------------------------------

(assert_invalid
  (module (func (result i32) (unreachable) (i64.const 1) (i32.const 0) (select)))
  "type mismatch")
(assert_invalid
  (module (func (unreachable) (ref.null func) (ref.null func) (i32.const 1) (select) (drop)))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (i32.const 1) (i64.const 1) (i32.const 0) (select)))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (i32.const 1) (i32.const 1) (i64.const 0) (select)))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (unreachable) (select (result i32 i32))))
  "invalid result arity")

;; --- br_table ------------------------------------------------------------------------

(assert_invalid
  (module (func
    (block (result f64)
      (block (result f32)
        (f32.const 0)
        (br_table 0 1 1 (i32.const 1)))
      (drop)
      (f64.const 0))
    (drop)))
  "type mismatch")
(assert_invalid
  (module (func
    (block
      (block (result i32)
        (unreachable)
        (br_table 0 1 (i32.const 1)))
      (drop))))
  "type mismatch")
(assert_invalid
  (module (func (block (br_table 0 2 (i32.const 0)))))
  "unknown label")
(assert_invalid
  (module (func (block (result i32) (br_table 0 (i64.const 0) (i32.const 0)))))
  "type mismatch")

;; --- leftovers and missing values after unreachable ------------------------------------

(assert_invalid
  (module (func (result i32) (unreachable) (i32.const 0) (i32.const 0)))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (unreachable) (i64.const 0) (i32.add)))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (block (result i32) (br 0))))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (unreachable) (block (result i32) (i64.const 0))))
  "type mismatch")
(assert_invalid
  (module (func (br 1)))
  "unknown label")

;; --- block types --------------------------------------------------------------------

(assert_invalid
  (module
    (type $t (func (param i32 i32) (result i32 i32)))
    (func (result i32) (i32.const 1) (block (type $t) (param i32 i32) (result i32 i32)) (drop)))
  "type mismatch")
(assert_invalid
  (module
    (type $t (func (param i32 i32) (result i32 i32)))
    (func (result i32 i32)
      (i32.const 1) (i32.const 2) (block (type $t) (param i32 i32) (result i32 i32) (i32.add))))
  "type mismatch")
(assert_invalid
  (module
    (func (result i32)
      (i32.const 1) (i32.const 2)
      (loop (param i32 i32) (result i32) (i32.add) (br 0))))
  "type mismatch")
(assert_invalid
  (module (func (param i32) (result i32)
    (local.get 0) (if (result i32) (then (i32.const 1)))))
  "type mismatch")
(assert_invalid
  (module (func (param i32) (result i32)
    (local.get 0) (if (result i32) (then (i32.const 1)) (else (i64.const 1)))))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (i32.const 1) (if (param i32) (result i32) (then))))
  "type mismatch")

;; A block type that names a type index past the type section.
(assert_invalid
  (module binary
    "\00asm" "\01\00\00\00"
    "\01\04\01\60\00\00"              ;; type 0: [] -> []
    "\03\02\01\00"                    ;; func 0: type 0
    "\0a\07\01\05\00\02\05\0b\0b")    ;; block (type 5) end end
  "unknown type")
