//! Random bytes straight from the operating system's CSPRNG.

use rand::TryRng as _;

use crate::error::Error;

pub fn bytes<const N: usize>() -> Result<[u8; N], Error> {
    let mut out = [0u8; N];
    rand::rngs::SysRng
        .try_fill_bytes(&mut out)
        .map_err(|e| Error::Internal(format!("OS random number generator: {e}")))?;
    Ok(out)
}
