;; Malformed binaries: header, LEB128 integers, section framing and order, names,
;; counts and sizes. Each module is spelled out byte by byte.

;; Padded (overlong but legal) LEB128 encodings are accepted.
(module binary
  "\00asm" "\01\00\00\00"
  "\01\84\80\80\80\00\01\60\00\00"                ;; type section size 4 in 5 bytes
  "\03\03\01\80\00"                               ;; func 0: type index 0 in 2 bytes
  "\0a\04\01\02\00\0b")
;; Custom sections may appear anywhere, and a malformed name section is ignored.
(module binary
  "\00asm" "\01\00\00\00"
  "\00\02\01a"                                    ;; custom "a"
  "\01\04\01\60\00\00"
  "\00\02\01b"                                    ;; custom "b"
  "\03\02\01\00"
  "\0a\04\01\02\00\0b"
  "\00\08\04name\01\20\01")                       ;; name: subsection past its end

;; --- header ---------------------------------------------------------------------

(assert_malformed (module binary "") "unexpected end")
(assert_malformed (module binary "\00as") "unexpected end")
(assert_malformed (module binary "asm\00") "magic header not detected")
(assert_malformed (module binary "\00asn\01\00\00\00") "magic header not detected")
(assert_malformed (module binary "\00asm") "unexpected end")
(assert_malformed (module binary "\00asm\01\00") "unexpected end")
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
(assert_malformed (module binary "\00asm\00\00\00\01") "unknown binary version")

;; --- LEB128 -----------------------------------------------------------------------

;; type index in the function section: 6 bytes
(assert_malformed
  (module binary "\00asm" "\01\00\00\00"
    "\01\04\01\60\00\00" "\03\07\01\80\80\80\80\80\00" "\0a\04\01\02\00\0b")
  "integer representation too long")
;; type index: unused bits set in the 5th byte
(assert_malformed
  (module binary "\00asm" "\01\00\00\00"
    "\01\04\01\60\00\00" "\03\06\01\80\80\80\80\10" "\0a\04\01\02\00\0b")
  "integer too large")
;; i32.const with a too-long s32
(assert_malformed
  (module binary "\00asm" "\01\00\00\00"
    "\01\05\01\60\00\01\7f" "\03\02\01\00"
    "\0a\0a\01\08\00\41\ff\ff\ff\ff\ff\7f\0b")
  "integer representation too long")
;; i32.const whose unused bits are not sign copies
(assert_malformed
  (module binary "\00asm" "\01\00\00\00"
    "\01\05\01\60\00\01\7f" "\03\02\01\00"
    "\0a\0a\01\08\00\41\ff\ff\ff\ff\4f\0b\0b")
  "integer too large")
;; i64.const with a too-large s64
(assert_malformed
  (module binary "\00asm" "\01\00\00\00"
    "\01\05\01\60\00\01\7e" "\03\02\01\00"
    "\0a\0f\01\0d\00\42\80\80\80\80\80\80\80\80\80\01\0b")
  "integer too large")
;; section size: 6 bytes
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\01\80\80\80\80\80\00")
  "integer representation too long")

;; --- sections -----------------------------------------------------------------------

(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\0d\00")
  "malformed section id")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\02\01\00" "\01\01\00")
  "unexpected content after last section")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\01\01\00" "\01\01\00")
  "unexpected content after last section")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\0a\01\00" "\0c\01\00")
  "unexpected content after last section")
;; type section declares 5 bytes, uses 4
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\01\05\01\60\00\00\00")
  "section size mismatch")
;; type section declares 3 bytes, needs 4
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\01\03\01\60\00\00")
  "unexpected end of section or function")
;; section longer than the module
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\01\10\01\60\00\00")
  "length out of bounds")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\01")
  "unexpected end")
;; start section with a trailing byte
(assert_malformed
  (module binary "\00asm" "\01\00\00\00"
    "\01\04\01\60\00\00" "\03\02\01\00" "\08\02\00\00" "\0a\04\01\02\00\0b")
  "section size mismatch")

;; --- types, imports, exports, names ---------------------------------------------------

(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\01\04\01\61\00\00")
  "malformed function type")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\01\05\01\60\01\7a\00")
  "malformed value type")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\02\06\01\01m\01x\04")
  "malformed import kind")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\02\08\01\01m\01g\03\7f\02")
  "malformed mutability")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\02\09\01\01m\01t\01\7f\00\01")
  "malformed reference type")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\07\05\01\01f\04\00")
  "malformed export kind")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\02\07\01\01\ff\01f\00\00")
  "malformed UTF-8 encoding")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\07\06\01\02\ed\a0\00\00")
  "malformed UTF-8 encoding")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\00\03\02\c0\80")
  "malformed UTF-8 encoding")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\00\03\05ab")
  "length out of bounds")

;; --- functions and code ------------------------------------------------------------

(assert_malformed
  (module binary "\00asm" "\01\00\00\00"
    "\01\04\01\60\00\00" "\03\03\02\00\00" "\0a\04\01\02\00\0b")
  "function and code section have inconsistent lengths")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00"
    "\01\04\01\60\00\00" "\03\02\01\00")
  "function and code section have inconsistent lengths")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00"
    "\01\04\01\60\00\00" "\0a\04\01\02\00\0b")
  "function and code section have inconsistent lengths")
;; 50'001 locals in one declaration
(assert_malformed
  (module binary "\00asm" "\01\00\00\00"
    "\01\04\01\60\00\00" "\03\02\01\00"
    "\0a\08\01\06\01\d1\86\03\7f\0b")
  "too many locals")
;; 2^32-1 locals
(assert_malformed
  (module binary "\00asm" "\01\00\00\00"
    "\01\04\01\60\00\00" "\03\02\01\00"
    "\0a\0a\01\08\01\ff\ff\ff\ff\0f\7f\0b")
  "too many locals")
;; body without its final end
(assert_malformed
  (module binary "\00asm" "\01\00\00\00"
    "\01\04\01\60\00\00" "\03\02\01\00" "\0a\04\01\02\00\01")
  "END opcode expected")
;; illegal opcode
(assert_malformed
  (module binary "\00asm" "\01\00\00\00"
    "\01\04\01\60\00\00" "\03\02\01\00" "\0a\05\01\03\00\ff\0b")
  "illegal opcode")
;; memory.size with a non-zero memory byte
(assert_malformed
  (module binary "\00asm" "\01\00\00\00"
    "\01\05\01\60\00\01\7f" "\03\02\01\00" "\05\03\01\00\01"
    "\0a\06\01\04\00\3f\01\0b")
  "zero byte expected")
;; a type section claiming 2^32-1 entries
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\01\0a\ff\ff\ff\ff\0f\60\00\00\60\00")
  "implementation limit exceeded")
