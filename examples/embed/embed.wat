;; The guest of examples/embed: prints a greeting through the host, fills its memory
;; with Fibonacci numbers, uses a host math function, and can trap.
(module $embed
  (import "env" "print" (func $print (param i32 i32)))
  (import "env" "square" (func $square (param f64) (result f64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "Hello from wasm!")

  ;; Writes fib(0..n-1) as i32s at address 64 and returns fib(n).
  (func (export "run") (param $n i32) (result i32)
    (local $i i32) (local $a i32) (local $b i32) (local $t i32)
    (call $print (i32.const 0) (i32.const 16))
    (local.set $b (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store (i32.add (i32.const 64) (i32.shl (local.get $i) (i32.const 2))) (local.get $a))
        (local.set $t (i32.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $a))

  (func (export "hypot2") (param f64 f64) (result f64)
    (f64.add (call $square (local.get 0)) (call $square (local.get 1))))

  (func $average (export "average") (param $sum i32) (param $count i32) (result i32)
    (i32.div_u (local.get $sum) (local.get $count))))
