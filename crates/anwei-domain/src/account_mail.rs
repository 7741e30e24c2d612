//! Mail about a person's own account: the lock after repeated failed sign-ins and the password
//! reset link. The lock is told by mail rather than on the sign-in page, so that the page
//! answers the same for an existing and an unknown username (no account enumeration).

use crate::roc::roc_datetime;
use time::OffsetDateTime;

/// Subject and body telling a person their account was locked (附表十: 連續失敗鎖定).
pub fn account_locked(username: &str, until: OffsetDateTime, failures: i32) -> (String, String) {
    let until = roc_datetime(until);
    (
        format!("[安維] 您的帳號 {username} 已因連續登入失敗而鎖定"),
        format!(
            "帳號：{username}\n\
             因連續 {failures} 次登入失敗，帳號已鎖定至 {until}。\n\
             若這不是您本人的操作，可能有人正嘗試猜測您的通行碼，請通知本機關資安承辦人。\n\
             鎖定期滿後即可再次登入，或請承辦人提前解除。\n\n\
             本信由安維自動寄出，請勿直接回覆。\n\
             Anwei: your account {username} was locked after {failures} failed sign-ins; if this was\n\
             not you, tell your security officer.\n"
        ),
    )
}

/// Subject and body carrying a one-time link to choose a new password.
pub fn password_reset_link(
    display_name: &str,
    username: &str,
    link: &str,
    expires: OffsetDateTime,
) -> (String, String) {
    let expires = roc_datetime(expires);
    (
        "[安維] 重設通行碼".to_string(),
        format!(
            "{display_name} 您好：\n\n\
             已為您的帳號 {username} 申請重設通行碼。請於 {expires} 前開啟下列連結，自行設定新通行碼\n\
             （連結僅能使用一次）：\n{link}\n\n\
             設定後，您在其他裝置上的登入都會結束。若您並未要求重設，請忽略本信並通知資安承辦人；\n\
             您原本的通行碼仍然有效。\n\n\
             本信由安維自動寄出，請勿直接回覆。\n\
             Anwei: open the link above before it expires to choose a new password for {username}.\n"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn texts_carry_what_the_person_needs() {
        let (s, b) = account_locked("xiaying.dean", datetime!(2026-12-07 02:15 UTC), 5);
        assert!(s.contains("xiaying.dean") && s.contains("鎖定"));
        assert!(
            b.contains("5 次") && b.contains("民國115年12月7日 10:15"),
            "{b}"
        );
        let (_, b) = password_reset_link(
            "李玉萍",
            "xiaying.dean",
            "https://anwei.example/reset/abc",
            datetime!(2026-12-08 02:00 UTC),
        );
        assert!(b.contains("https://anwei.example/reset/abc") && b.contains("李玉萍"));
    }
}
