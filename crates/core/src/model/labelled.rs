//! A small macro for the fieldless enums the app shows to people: each variant gets a stable
//! snake_case key (also its serde name), a Chinese and an English label, and parsing from either
//! the key or the Chinese label.

macro_rules! labelled_enum {
    (
        $(#[$doc:meta])*
        $name:ident, error = $err:ident;
        $( $(#[$vdoc:meta])* $variant:ident => $key:literal, $zh:literal, $en:literal; )+
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order (for pickers and exhaustive tests).
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// Stable snake_case key, identical to the serde representation.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $key, )+ }
            }

            /// Chinese label shown in the app.
            pub fn label_zh(self) -> &'static str {
                match self { $( $name::$variant => $zh, )+ }
            }

            /// English label shown in the app.
            pub fn label_en(self) -> &'static str {
                match self { $( $name::$variant => $en, )+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::model::ValidationError;

            /// Accepts the key in any case with `-` or spaces for `_` (`"First aid"`), or the
            /// Chinese label (`"急救"`).
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let trimmed = s.trim();
                let key: String = trimmed
                    .chars()
                    .map(|c| if c == '-' || c == ' ' { '_' } else { c.to_ascii_lowercase() })
                    .collect();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == key || v.label_zh() == trimmed)
                    .ok_or_else(|| $crate::model::ValidationError::$err(s.to_owned()))
            }
        }
    };
}

pub(crate) use labelled_enum;
