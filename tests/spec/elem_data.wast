;; Element and data segments: every segment mode, table.init / elem.drop /
;; memory.init / data.drop typing, and the data count section. Binary modules spell out
;; the element encodings wabt does not choose by itself.

(module
  (table $f 4 funcref)
  (table $e 2 externref)
  (memory 1)
  (func $a) (func $b)
  (elem $active (table $f) (i32.const 0) func $a $b)
  (elem $passive func $a)
  (elem $passive-exprs funcref (ref.func $b) (ref.null func))
  (elem $externs externref (ref.null extern))
  (elem $declared declare func $a)
  (elem $active-e (table $e) (i32.const 0) externref (ref.null extern))
  (data $d0 (i32.const 0) "abc")
  (data $d1 "passive")
  (func (export "bulk")
    (table.init $f $passive (i32.const 2) (i32.const 0) (i32.const 1))
    (table.init $e $externs (i32.const 1) (i32.const 0) (i32.const 1))
    (elem.drop $passive-exprs)
    (table.copy $f $f (i32.const 0) (i32.const 1) (i32.const 1))
    (memory.init $d1 (i32.const 16) (i32.const 0) (i32.const 7))
    (data.drop $d1)
    (memory.copy (i32.const 0) (i32.const 16) (i32.const 3))
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 1)))
)

;; All 8 element segment encodings in one binary module.
(module binary
  "\00asm" "\01\00\00\00"
  "\01\04\01\60\00\00"                            ;; type 0: [] -> []
  "\03\02\01\00"                                  ;; func 0
  "\04\07\02\70\00\04\70\00\04"                   ;; tables 0, 1: funcref 4
  "\09\39\08"                                     ;; element section, 8 segments
  "\00\41\00\0b\01\00"                            ;; 0: active t0, funcs [0]
  "\01\00\02\00\00"                               ;; 1: passive, elemkind, [0 0]
  "\02\01\41\01\0b\00\01\00"                      ;; 2: active t1, elemkind, [0]
  "\03\00\01\00"                                  ;; 3: declarative, elemkind, [0]
  "\04\41\02\0b\02\d2\00\0b\d0\70\0b"             ;; 4: active t0, exprs
  "\05\6f\01\d0\6f\0b"                            ;; 5: passive externref exprs
  "\06\01\41\03\0b\70\01\d2\00\0b"                ;; 6: active t1 funcref exprs
  "\07\70\01\d2\00\0b"                            ;; 7: declarative funcref exprs
  "\0a\04\01\02\00\0b")                           ;; code: empty body

;; All 3 data segment encodings.
(module binary
  "\00asm" "\01\00\00\00"
  "\05\03\01\00\01"                               ;; memory 1
  "\0b\14\03"                                     ;; data section, 3 segments
  "\00\41\00\0b\02hi"                             ;; 0: active, implicit memory 0
  "\01\03abc"                                     ;; 1: passive
  "\02\00\41\08\0b\01z")                          ;; 2: active, explicit memory 0

;; --- element typing -----------------------------------------------------------

(assert_invalid
  (module (table 1 externref) (elem $p funcref (ref.null func))
    (func (table.init 0 $p (i32.const 0) (i32.const 0) (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (table 1 funcref) (func (table.init 0 0 (i32.const 0) (i32.const 0) (i32.const 0))))
  "unknown elem segment")
(assert_invalid
  (module (func (elem.drop 0)))
  "unknown elem segment")
(assert_invalid
  (module (table 1 externref) (func $f) (elem (table 0) (i32.const 0) func $f))
  "type mismatch")
(assert_invalid
  (module (table 1 funcref) (elem (i64.const 0) func))
  "type mismatch")
(assert_invalid
  (module (elem (i32.const 0) func))
  "unknown table")
(assert_invalid
  (module (elem funcref (ref.null extern)))
  "type mismatch")
(assert_invalid
  (module (elem funcref (ref.func 0)))
  "unknown function")
(assert_invalid
  (module (table 1 funcref) (table 1 externref)
    (func (table.copy 0 1 (i32.const 0) (i32.const 0) (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (table 1 funcref) (func (table.fill 0 (i32.const 0) (ref.null extern) (i32.const 1))))
  "type mismatch")
(assert_invalid
  (module (table 1 externref) (func (result externref) (table.get 1 (i32.const 0))))
  "unknown table")

;; --- data typing --------------------------------------------------------------

(assert_invalid
  (module (data (i32.const 0) "x"))
  "unknown memory")
(assert_invalid
  (module (memory 1) (data "x") (func (memory.init 1 (i32.const 0) (i32.const 0) (i32.const 0))))
  "unknown data segment")
(assert_invalid
  (module (memory 1) (data "x") (func (data.drop 1)))
  "unknown data segment")
(assert_invalid
  (module (data "x") (func (memory.init 0 (i32.const 0) (i32.const 0) (i32.const 0))))
  "unknown memory")
(assert_invalid
  (module (memory 1) (func (memory.fill (i32.const 0) (i64.const 0) (i32.const 0))))
  "type mismatch")

;; --- data count ---------------------------------------------------------------

;; memory.init without a data count section
(assert_malformed
  (module binary
    "\00asm" "\01\00\00\00"
    "\01\04\01\60\00\00"                          ;; type 0: [] -> []
    "\03\02\01\00"                                ;; func 0
    "\05\03\01\00\01"                             ;; memory 1
    "\0a\0e\01\0c\00"                             ;; code: 1 body of 12 bytes, no locals
    "\41\00\41\00\41\00\fc\08\00\00\0b"           ;; memory.init 0 0 with 3 i32 args
    "\0b\04\01\01\01x")                           ;; data: 1 passive segment "x"
  "data count section required")
;; data.drop without a data count section
(assert_malformed
  (module binary
    "\00asm" "\01\00\00\00"
    "\01\04\01\60\00\00"
    "\03\02\01\00"
    "\0a\07\01\05\00\fc\09\00\0b"                 ;; data.drop 0
    "\0b\04\01\01\01x")
  "data count section required")
;; data count 2, one segment
(assert_malformed
  (module binary
    "\00asm" "\01\00\00\00"
    "\0c\01\02"                                   ;; data count 2
    "\0b\03\01\01\00")                            ;; 1 passive segment
  "data count and data section have inconsistent lengths")
;; data count 1, no data section
(assert_malformed
  (module binary
    "\00asm" "\01\00\00\00"
    "\0c\01\01")
  "data count and data section have inconsistent lengths")

;; --- malformed segment encodings ----------------------------------------------

(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\09\02\01\08")
  "malformed elements segment kind")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\09\04\01\01\01\00")
  "malformed element kind")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\09\04\01\05\7f\00")
  "malformed reference type")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\05\03\01\00\01" "\0b\03\01\03\00")
  "malformed data segment kind")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\05\03\01\00\01" "\0b\05\01\01\05ab")
  "unexpected end of section or function")
