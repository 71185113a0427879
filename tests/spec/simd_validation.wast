;; SIMD validation: lane indices of every shape, shuffle lanes, alignment of vector
;; loads and stores, operand types.

(module
  (memory 1)
  (func (export "lanes") (param v128) (result i32)
    (i32.add (i8x16.extract_lane_s 15 (local.get 0)) (i16x8.extract_lane_u 7 (local.get 0))))
  (func (export "wide") (param v128) (result i64) (i64x2.extract_lane 1 (local.get 0)))
  (func (export "floats") (param v128) (result f64)
    (f64.add (f64.promote_f32 (f32x4.extract_lane 3 (local.get 0)))
             (f64x2.extract_lane 1 (local.get 0))))
  (func (export "replace") (param v128) (result v128)
    (i32x4.replace_lane 3 (local.get 0) (i32.const 1)))
  (func (export "shuffle") (param v128 v128) (result v128)
    (i8x16.shuffle 31 30 29 28 27 26 25 24 23 22 21 20 19 18 17 16
      (local.get 0) (local.get 1)))
  (func (export "load-lane") (param v128) (result v128)
    (v128.load64_lane align=8 1 (i32.const 0) (local.get 0)))
  (func (export "store-lane") (param v128)
    (v128.store8_lane 15 (i32.const 0) (local.get 0)))
  (func (export "load") (result v128) (v128.load align=16 (i32.const 0)))
)

(assert_invalid
  (module (func (result i32) (i8x16.extract_lane_s 16 (v128.const i64x2 0 0))))
  "invalid lane index")
(assert_invalid
  (module (func (result i32) (i8x16.extract_lane_u 255 (v128.const i64x2 0 0))))
  "invalid lane index")
(assert_invalid
  (module (func (result i32) (i16x8.extract_lane_s 8 (v128.const i64x2 0 0))))
  "invalid lane index")
(assert_invalid
  (module (func (result i32) (i32x4.extract_lane 4 (v128.const i64x2 0 0))))
  "invalid lane index")
(assert_invalid
  (module (func (result i64) (i64x2.extract_lane 2 (v128.const i64x2 0 0))))
  "invalid lane index")
(assert_invalid
  (module (func (result f32) (f32x4.extract_lane 4 (v128.const i64x2 0 0))))
  "invalid lane index")
(assert_invalid
  (module (func (result f64) (f64x2.extract_lane 2 (v128.const i64x2 0 0))))
  "invalid lane index")
(assert_invalid
  (module (func (result v128) (i8x16.replace_lane 16 (v128.const i64x2 0 0) (i32.const 0))))
  "invalid lane index")
(assert_invalid
  (module (func (result v128) (f64x2.replace_lane 2 (v128.const i64x2 0 0) (f64.const 0))))
  "invalid lane index")
(assert_invalid
  (module (func (result v128)
    (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 32
      (v128.const i64x2 0 0) (v128.const i64x2 0 0))))
  "invalid lane index")
(assert_invalid
  (module (func (result v128)
    (i8x16.shuffle 255 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15
      (v128.const i64x2 0 0) (v128.const i64x2 0 0))))
  "invalid lane index")
(assert_invalid
  (module (memory 1) (func (result v128)
    (v128.load8_lane 16 (i32.const 0) (v128.const i64x2 0 0))))
  "invalid lane index")
(assert_invalid
  (module (memory 1) (func
    (v128.store32_lane 4 (i32.const 0) (v128.const i64x2 0 0))))
  "invalid lane index")

;; --- alignment ------------------------------------------------------------------

(assert_invalid
  (module (memory 1) (func (result v128) (v128.load align=32 (i32.const 0))))
  "alignment must not be larger than natural")
(assert_invalid
  (module (memory 1) (func (result v128) (v128.load8x8_s align=16 (i32.const 0))))
  "alignment must not be larger than natural")
(assert_invalid
  (module (memory 1) (func (result v128) (v128.load32_splat align=8 (i32.const 0))))
  "alignment must not be larger than natural")
(assert_invalid
  (module (memory 1) (func (result v128)
    (v128.load16_lane align=4 0 (i32.const 0) (v128.const i64x2 0 0))))
  "alignment must not be larger than natural")
(assert_invalid
  (module (func (result v128) (v128.load (i32.const 0))))
  "unknown memory")

;; --- operand types --------------------------------------------------------------

(assert_invalid
  (module (func (result v128) (i8x16.add (v128.const i64x2 0 0) (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (i32x4.extract_lane 0 (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (func (result v128) (i32x4.splat (i64.const 0))))
  "type mismatch")
(assert_invalid
  (module (func (result v128)
    (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 (v128.const i64x2 0 0) (f64.const 0))))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (v128.any_true (i32.const 0))))
  "type mismatch")
