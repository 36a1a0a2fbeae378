#[path = "../src/bench.rs"]
mod bench;
fn main() {
    let ok = bench::run(1.0, &mut std::io::stdout()).unwrap();
    println!("all met: {ok}");
}
