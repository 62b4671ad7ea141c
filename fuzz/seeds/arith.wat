(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "div0") (result i32) (i32.div_s (i32.const 1) (i32.const 0)))
  (func (export "f") (result f64)
    (f64.add (f64.sqrt (f64.const 2)) (f64.convert_i64_s (i64.const -7))))
  (func (export "trunc") (result i32) (i32.trunc_f32_s (f32.const nan)))
  (func (export "sat") (result i64) (i64.trunc_sat_f64_u (f64.const -inf)))
  (func (export "sel") (result f32)
    (select (f32.const 1.5) (f32.const -0) (i32.const 0))))
