using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Qtsp.Portal.Infrastructure.DataProtection;

/// <summary>Encrypts a Data Protection key's secret element with <see cref="TokenWrappingKey"/>: the database keeps only the ciphertext.</summary>
public sealed class TokenXmlEncryptor(TokenWrappingKey key) : IXmlEncryptor
{
    internal const string ElementName = "tokenEncryptedSecret";
    internal const string ValueName = "value";

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        try
        {
            var element = new XElement(ElementName,
                new XAttribute("keyLabel", key.Label),
                new XComment(" Encrypted (AES-GCM) by a key that never leaves the CA's PKCS#11 token. "),
                new XElement(ValueName, Convert.ToBase64String(key.Encrypt(plaintext))));
            return new EncryptedXmlInfo(element, typeof(TokenXmlDecryptor));
        }
        finally
        {
            Array.Clear(plaintext);
        }
    }
}

/// <summary>
/// The other half of <see cref="TokenXmlEncryptor"/>; made by Data Protection from the decryptor type named in the stored
/// key. Without the portal's services (so without the token) it cannot decrypt anything.
/// </summary>
public sealed class TokenXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var key = services.GetService(typeof(TokenWrappingKey)) as TokenWrappingKey
            ?? throw new InvalidOperationException("This key is encrypted by the CA's PKCS#11 token, which is not available here.");
        var value = encryptedElement.Element(TokenXmlEncryptor.ValueName)?.Value
            ?? throw new FormatException($"The {TokenXmlEncryptor.ElementName} element has no {TokenXmlEncryptor.ValueName}.");
        var plaintext = key.Decrypt(Convert.FromBase64String(value));
        try
        {
            return XElement.Parse(Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            Array.Clear(plaintext);
        }
    }
}
