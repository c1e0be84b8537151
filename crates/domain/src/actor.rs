//! Who acts: the `Actor` the edge builds after authentication, and the `ActorRef` an event keeps.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The roles of the reformed enforcement system. One English name per concept (ARCHITECTURE.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员
    SystemAdmin,
    /// 安全管理员
    SecurityAdmin,
    /// 审计管理员
    AuditAdmin,
    /// 局长 / 分管领导
    BureauHead,
    /// 支队长
    DetachmentLeader,
    /// 支队执法人员
    DetachmentOfficer,
    /// 大队执法人员
    BrigadeOfficer,
    /// 辅助人员
    AuxiliaryStaff,
    /// 法制审核人员
    LegalReviewer,
    /// 乡镇、园区联络员
    Liaison,
    /// 协作单位 (police, procuratorate, courts, other departments)
    PartnerAgency,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::AuditAdmin,
        Role::BureauHead,
        Role::DetachmentLeader,
        Role::DetachmentOfficer,
        Role::BrigadeOfficer,
        Role::AuxiliaryStaff,
        Role::LegalReviewer,
        Role::Liaison,
        Role::PartnerAgency,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::SecurityAdmin => "security_admin",
            Role::AuditAdmin => "audit_admin",
            Role::BureauHead => "bureau_head",
            Role::DetachmentLeader => "detachment_leader",
            Role::DetachmentOfficer => "detachment_officer",
            Role::BrigadeOfficer => "brigade_officer",
            Role::AuxiliaryStaff => "auxiliary_staff",
            Role::LegalReviewer => "legal_reviewer",
            Role::Liaison => "liaison",
            Role::PartnerAgency => "partner_agency",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The authenticated caller of a command or query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The platform itself: start-up bootstrap and demo seeding. Never reachable from the network.
    System,
    User(UserActor),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserActor {
    pub id: Uuid,
    pub username: String,
    pub roles: Vec<Role>,
    pub unit_id: Option<Uuid>,
    /// County codes the user may act in; `None` means the whole prefecture.
    pub counties: Option<Vec<String>>,
    pub certificate: Option<crate::permission::Certificate>,
}

impl Actor {
    pub fn has_role(&self, role: Role) -> bool {
        match self {
            Actor::System => false,
            Actor::User(u) => u.roles.contains(&role),
        }
    }

    /// The login name events record: the user's, or `system` for the platform.
    pub fn name(&self) -> &str {
        match self {
            Actor::System => "system",
            Actor::User(u) => &u.username,
        }
    }

    pub fn to_ref(&self) -> ActorRef {
        match self {
            Actor::System => ActorRef {
                kind: ActorKind::System,
                id: None,
                name: self.name().to_owned(),
            },
            Actor::User(u) => ActorRef {
                kind: ActorKind::User,
                id: Some(u.id),
                name: self.name().to_owned(),
            },
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    System,
    User,
}

/// The actor as recorded in an event: enough to name them in court, nothing secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorRef {
    pub kind: ActorKind,
    pub id: Option<Uuid>,
    pub name: String,
}
