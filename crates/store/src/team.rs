//! The house's staff (PRV-8): the team's list, invitations and resets, the second factor
//! (RFC 6238) with its recovery codes, and the security log of logins and role changes.

use crate::customers::{STAFF_BY_ID, StaffRow};
use crate::exec::{Bind, Engine, Writer, query, query_as, query_scalar};
use crate::*;

/// A member of staff's authenticator secret (base32), never shown again once enabled.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
pub struct StaffTotp {
    pub totp_secret: Option<String>,
    pub totp_enabled_at: Option<i64>,
    pub totp_last_step: i64,
}

impl std::fmt::Debug for StaffTotp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffTotp")
            .field("totp_secret", &self.totp_secret.as_ref().map(|_| "…"))
            .field("totp_enabled_at", &self.totp_enabled_at)
            .finish()
    }
}

/// One line of the staff's security log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct StaffEvent {
    pub at: i64,
    pub staff_id: String,
    pub actor_id: Option<String>,
    /// `login`, `login_second_factor`, `recovery_code_used`, `second_factor_enabled`,
    /// `invited`, `role_changed`, `disabled`, `enabled`, `reset`, `password_set`.
    pub event: String,
    pub detail: String,
    /// The client's address.
    pub client: String,
}

#[async_trait]
pub trait Team: Send + Sync {
    /// Every member of staff, by name.
    async fn staff_list(&self) -> Result<Vec<Staff>>;

    async fn staff_totp(&self, staff_id: &str) -> Result<Option<StaffTotp>>;

    /// The security log, newest first, `limit` lines at most.
    async fn security_log(&self, limit: i64) -> Result<Vec<StaffEvent>>;

    /// The member of staff an invitation is for, while it is unused and not expired.
    async fn invitation_staff(&self, token_hash: &str, now_ms: i64) -> Result<Option<Staff>>;
}

#[async_trait]
pub trait TeamTx: Send {
    async fn set_staff_role(
        &mut self,
        staff_id: &str,
        role: ecrin_core::account::Role,
    ) -> Result<()>;

    async fn set_staff_disabled(&mut self, staff_id: &str, disabled: bool) -> Result<()>;

    async fn set_staff_password(&mut self, staff_id: &str, password_hash: &str) -> Result<()>;

    /// A new secret waiting for its first code (`None`: the second factor removed); the
    /// second factor is off until [`TeamTx::enable_totp`].
    async fn set_totp_secret(&mut self, staff_id: &str, secret: Option<&str>) -> Result<()>;

    async fn enable_totp(&mut self, staff_id: &str, now_ms: i64, step: i64) -> Result<()>;

    /// Takes a code's time step once: false when that step (or a later one) was taken.
    async fn take_totp_step(&mut self, staff_id: &str, step: i64) -> Result<bool>;

    /// Replaces the member's recovery codes (by their SHA-256).
    async fn replace_recovery_codes(&mut self, staff_id: &str, hashes: &[String]) -> Result<()>;

    /// Uses a recovery code once: false when unknown or used.
    async fn use_recovery_code(&mut self, staff_id: &str, hash: &str, now_ms: i64) -> Result<bool>;

    async fn insert_staff_invitation(
        &mut self,
        token_hash: &str,
        staff_id: &str,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<()>;

    /// Uses an invitation once; the member of staff it is for.
    async fn use_staff_invitation(
        &mut self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<String>>;

    /// Ends every API token and page session of a member of staff.
    async fn end_staff_sessions(&mut self, staff_id: &str, now_ms: i64) -> Result<()>;

    async fn log_security(&mut self, event: &StaffEvent) -> Result<()>;
}

#[async_trait]
impl<E: Engine> Team for E {
    async fn staff_list(&self) -> Result<Vec<Staff>> {
        let rows: Vec<StaffRow> = query_as(
            "SELECT id, email, name, role, password_hash, disabled, created_at, totp_enabled_at \
             FROM staff ORDER BY name, id",
        )
        .fetch_all(&mut self.reader().await?)
        .await?;
        Ok(rows.into_iter().filter_map(StaffRow::into_staff).collect())
    }

    async fn staff_totp(&self, staff_id: &str) -> Result<Option<StaffTotp>> {
        query_as("SELECT totp_secret, totp_enabled_at, totp_last_step FROM staff WHERE id = $1")
            .bind(staff_id)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn security_log(&self, limit: i64) -> Result<Vec<StaffEvent>> {
        query_as(
            "SELECT at, staff_id, actor_id, event, detail, client FROM staff_security_log \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&mut self.reader().await?)
        .await
    }

    async fn invitation_staff(&self, token_hash: &str, now_ms: i64) -> Result<Option<Staff>> {
        let id: Option<String> = query_scalar(
            "SELECT staff_id FROM staff_invitations WHERE token_hash = $1 \
             AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(&mut self.reader().await?)
        .await?;
        let Some(id) = id else { return Ok(None) };
        let row: Option<StaffRow> = query_as(STAFF_BY_ID)
            .bind(&id)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.and_then(StaffRow::into_staff))
    }
}

/// One statement on a member of staff's row: `NotFound` when there is no such member.
async fn changed<W: Writer>(
    w: &mut W,
    sql: &'static str,
    id: &str,
    value: impl Bind,
) -> Result<()> {
    let done = query(sql).bind(id).bind(value).execute(&mut *w).await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

#[async_trait]
impl<W: Writer> TeamTx for W {
    async fn set_staff_role(
        &mut self,
        staff_id: &str,
        role: ecrin_core::account::Role,
    ) -> Result<()> {
        changed(
            self,
            "UPDATE staff SET role = $2 WHERE id = $1",
            staff_id,
            role.as_str(),
        )
        .await
    }

    async fn set_staff_disabled(&mut self, staff_id: &str, disabled: bool) -> Result<()> {
        changed(
            self,
            "UPDATE staff SET disabled = $2 WHERE id = $1",
            staff_id,
            disabled,
        )
        .await
    }

    async fn set_staff_password(&mut self, staff_id: &str, password_hash: &str) -> Result<()> {
        changed(
            self,
            "UPDATE staff SET password_hash = $2 WHERE id = $1",
            staff_id,
            password_hash,
        )
        .await
    }

    async fn set_totp_secret(&mut self, staff_id: &str, secret: Option<&str>) -> Result<()> {
        changed(
            self,
            "UPDATE staff SET totp_secret = $2, totp_enabled_at = NULL WHERE id = $1",
            staff_id,
            secret,
        )
        .await
    }

    async fn enable_totp(&mut self, staff_id: &str, now_ms: i64, step: i64) -> Result<()> {
        query("UPDATE staff SET totp_enabled_at = $2, totp_last_step = $3 WHERE id = $1")
            .bind(staff_id)
            .bind(now_ms)
            .bind(step)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn take_totp_step(&mut self, staff_id: &str, step: i64) -> Result<bool> {
        let done =
            query("UPDATE staff SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2")
                .bind(staff_id)
                .bind(step)
                .execute(&mut *self)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn replace_recovery_codes(&mut self, staff_id: &str, hashes: &[String]) -> Result<()> {
        query("DELETE FROM staff_recovery_codes WHERE staff_id = $1")
            .bind(staff_id)
            .execute(&mut *self)
            .await?;
        for hash in hashes {
            query("INSERT INTO staff_recovery_codes (staff_id, code_hash) VALUES ($1, $2)")
                .bind(staff_id)
                .bind(hash)
                .execute(&mut *self)
                .await?;
        }
        Ok(())
    }

    async fn use_recovery_code(&mut self, staff_id: &str, hash: &str, now_ms: i64) -> Result<bool> {
        let done = query(
            "UPDATE staff_recovery_codes SET used_at = $3 WHERE staff_id = $1 \
             AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(staff_id)
        .bind(hash)
        .bind(now_ms)
        .execute(&mut *self)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn insert_staff_invitation(
        &mut self,
        token_hash: &str,
        staff_id: &str,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<()> {
        query(
            "INSERT INTO staff_invitations (token_hash, staff_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(staff_id)
        .bind(now_ms)
        .bind(expires_at_ms)
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn use_staff_invitation(
        &mut self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<String>> {
        query_scalar(
            "UPDATE staff_invitations SET used_at = $2 WHERE token_hash = $1 \
             AND used_at IS NULL AND expires_at > $2 RETURNING staff_id",
        )
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(&mut *self)
        .await
    }

    async fn end_staff_sessions(&mut self, staff_id: &str, now_ms: i64) -> Result<()> {
        query(
            "UPDATE api_tokens SET revoked_at = $2 WHERE subject_kind = 'staff' \
             AND subject_id = $1 AND revoked_at IS NULL",
        )
        .bind(staff_id)
        .bind(now_ms)
        .execute(&mut *self)
        .await?;
        query("DELETE FROM web_sessions WHERE staff_id = $1 OR pending_staff_id = $1")
            .bind(staff_id)
            .execute(&mut *self)
            .await?;
        query("UPDATE staff_invitations SET used_at = $2 WHERE staff_id = $1 AND used_at IS NULL")
            .bind(staff_id)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn log_security(&mut self, e: &StaffEvent) -> Result<()> {
        query(
            "INSERT INTO staff_security_log (at, staff_id, actor_id, event, detail, client) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(e.at)
        .bind(&e.staff_id)
        .bind(&e.actor_id)
        .bind(&e.event)
        .bind(&e.detail)
        .bind(&e.client)
        .execute(&mut *self)
        .await?;
        Ok(())
    }
}
