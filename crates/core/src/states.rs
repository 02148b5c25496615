//! State enums with stable names: what is stored in the database and shown in the API,
//! read back with `FromStr`/`TryFrom<String>` (a row, a JSON field) and never compared as
//! strings outside this crate.

/// Declares a state enum with its stable snake_case names (stored and shown in the API).
macro_rules! named_states {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "&'static str")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::states::UnknownState;
            fn from_str(s: &str) -> Result<Self, $crate::states::UnknownState> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::states::UnknownState(format!(
                        "`{other}` is not a {}", stringify!($name)
                    ))),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::states::UnknownState;
            fn try_from(s: String) -> Result<Self, $crate::states::UnknownState> {
                s.parse()
            }
        }

        impl From<$name> for &'static str {
            fn from(s: $name) -> &'static str {
                s.as_str()
            }
        }
    };
}

pub(crate) use named_states;

/// A stored state name that no state has (a database written by a newer version).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnknownState(pub(crate) String);
