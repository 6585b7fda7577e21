using System.ComponentModel.DataAnnotations;
using Qtsp.Shared.Bridge;

namespace Qtsp.Portal.Features.Token;

/// <summary>What the holder enters for a new request (seed guide: name, e-mail; the PINs come later, in the device's own dialog).</summary>
public sealed class NewRequestForm
{
    public KeyAlgorithm Algorithm { get; set; } = KeyAlgorithm.Rsa2048;

    [Required(ErrorMessage = "TokenCare.Request.NameRequired")]
    [StringLength(64, ErrorMessage = "TokenCare.Request.NameTooLong")]
    public string CommonName { get; set; } = "";

    [EmailAddress(ErrorMessage = "TokenCare.Request.EmailInvalid")]
    [StringLength(128, ErrorMessage = "TokenCare.Request.EmailInvalid")]
    public string? Email { get; set; }

    [RegularExpression("^[A-Z]{2}$", ErrorMessage = "TokenCare.Request.CountryInvalid")]
    public string? Country { get; set; } = "CZ";
}
