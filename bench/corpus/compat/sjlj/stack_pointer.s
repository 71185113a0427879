# Read and write the shadow-stack pointer global that wasm-ld defines (C cannot name it).
	.globaltype __stack_pointer, i32

	.globl	skiff_sjlj_get_sp
	.type	skiff_sjlj_get_sp,@function
skiff_sjlj_get_sp:
	.functype	skiff_sjlj_get_sp () -> (i32)
	global.get	__stack_pointer
	end_function

	.globl	skiff_sjlj_set_sp
	.type	skiff_sjlj_set_sp,@function
skiff_sjlj_set_sp:
	.functype	skiff_sjlj_set_sp (i32) -> ()
	local.get	0
	global.set	__stack_pointer
	end_function
