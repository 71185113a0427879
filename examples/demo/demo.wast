;; The demo's spec script: what skiff accepts and what it rejects, and why.
(module
  (func (export "fac") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 1))
      (else (i64.mul (local.get 0) (call 0 (i64.sub (local.get 0) (i64.const 1))))))))
(assert_return (invoke "fac" (i64.const 5)) (i64.const 120))

(assert_invalid (module (func (result i32) (i64.const 1))) "type mismatch")
(assert_invalid (module (func (br 1))) "unknown label")
(assert_invalid (module (func (i32.load align=8 (i32.const 0)) (drop)) (memory 1))
                "alignment must not be larger than natural")
(assert_invalid (module (func (drop (ref.func 0)))) "undeclared function reference")
(assert_malformed (module binary "\00asm" "\02\00\00\00") "unknown binary version")
(assert_malformed (module binary "\00asm" "\01\00\00\00" "\01\05\01\60\00\00\00")
                  "section size mismatch")
