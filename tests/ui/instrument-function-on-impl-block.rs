use tallymark::counted;

struct Users;

#[counted(function = "Users::get")]
impl Users {
    fn get(&self) {}
    fn list(&self) {}
}

fn main() {
    Users.get();
    Users.list();
}
