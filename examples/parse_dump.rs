fn main() {
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        match pledge::parse::parse(&text, pledge::source::FileId(0)) {
            Ok(file) => {
                for p in &file.pledges { for it in &p.items { if let pledge::ast::Item::Category(c) = it { for cl in &c.clauses { let s = cl.span(); println!("{:?} {:?}", s, &text[s.range()]); } } } }
                print!("{}", pledge::print::format(&file, &text));
            }
            Err(e) => println!("{path}: {e:?}"),
        }
    }
}
