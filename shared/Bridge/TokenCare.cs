using System.Text.Json.Serialization;
using Qtsp.Shared.Devices;

namespace Qtsp.Shared.Bridge;

// Commands the page sends straight to the agent. Secrets (PINs, PUKs, file passwords) travel as arrays of
// UTF-16 code units rather than strings, so the page and the agent can overwrite them after use; they never
// pass through the portal server.

/// <summary>Changes one secret: PIN/QPIN with the user's current value, PUK/QPUK with the current unblock code.</summary>
public sealed record PinChange(
    string DeviceId,
    AreaKind Area,
    PinKind Kind,
    int[] Current,
    int[] Replacement,
    bool ConfirmFinalTry);

/// <summary>Unblocks (sets) the PIN or QPIN of an area with its unblock code (PUK, QPUK; the PUK for ProID+Q's QPIN).</summary>
public sealed record PinUnblock(
    string DeviceId,
    AreaKind Area,
    int[] UnblockCode,
    int[] NewPin,
    bool ConfirmFinalTry);

/// <summary>Logs the area in, so private objects can be listed, until <see cref="AgentHubContract.Logout"/>.</summary>
public sealed record AreaLogin(string DeviceId, AreaKind Area, int[] Pin, bool ConfirmFinalTry);

[JsonConverter(typeof(JsonStringEnumConverter<KeyAlgorithm>))]
public enum KeyAlgorithm
{
    Rsa2048,
    Rsa3072,
    Rsa4096,
    EcP256,
    EcP384,
}

/// <summary>
/// Generates a key pair in an area and a PKCS#10 request for it, and has the CA's service key attest the request.
/// <see cref="Pin"/> opens the standard area (where the service key lives); <see cref="QualifiedPin"/> is the QPIN
/// when the key goes to the qualified area. <see cref="ServiceKeyPublicKey"/> is the service key the CA registered for
/// the device (SubjectPublicKeyInfo, DER): the agent attests with the key that has it, never with one found by label.
/// <see cref="RenewedKeyIdHex"/> makes the request a renewal: the CKA_ID (hex) of the key, in the same area, whose
/// certificate is renewed. That key, which must have its certificate next to it, then also signs the attestation
/// statement (<see cref="KeyRequestCreated.Renewal"/>).
/// </summary>
public sealed record KeyRequestCommand(
    string OperationId,
    string DeviceId,
    AreaKind Area,
    KeyAlgorithm Algorithm,
    string CommonName,
    string? Email,
    string? Country,
    byte[] Nonce,
    int[] Pin,
    int[]? QualifiedPin,
    bool ConfirmFinalTry,
    byte[]? ServiceKeyPublicKey = null,
    string? RenewedKeyIdHex = null);

/// <summary>
/// The service key's statement: DER of SEQUENCE { version INTEGER 1, requestSha256 OCTET STRING, nonce OCTET STRING,
/// deviceSerial UTF8String, signedAt GeneralizedTime }, and its signature by the service key.
/// </summary>
public sealed record ServiceKeyAttestation(byte[] Statement, byte[] Signature, string SignatureAlgorithm);

/// <param name="Renewal">For a renewal (<see cref="KeyRequestCommand.RenewedKeyIdHex"/>): the renewed key's signature over the same statement.</param>
public sealed record KeyRequestCreated(byte[] Request, ServiceKeyAttestation Attestation, string KeyIdHex, string KeyLabel, string DeviceSerial, RenewalProof? Renewal = null);

/// <summary>Writes a certificate onto the device next to its key (matched by public key).</summary>
public sealed record CertificateInstall(string DeviceId, AreaKind Area, byte[] Certificate, int[] Pin, bool ConfirmFinalTry);

public sealed record CertificateInstalled(string IdHex, string Label);

/// <summary>Imports a PKCS#12 file (key and certificate) into the standard area. The result is never a qualified, QSCD-generated key.</summary>
public sealed record Pkcs12Import(string DeviceId, byte[] Pkcs12, int[] Password, int[] Pin, bool ConfirmFinalTry);

[JsonConverter(typeof(JsonStringEnumConverter<ObjectKind>))]
public enum ObjectKind
{
    Certificate,
    PrivateKey,
    PublicKey,
}

/// <summary>Names an object across sessions (handles are not stable): its kind, CKA_ID and label.</summary>
public sealed record ObjectRef(ObjectKind Kind, string IdHex, string Label);

/// <summary>
/// Deletes objects from an area; with <see cref="WithKeyPairs"/>, also every key sharing a deleted object's CKA_ID
/// (a certificate's key pair, both halves of an orphan key). The agent refuses the CA's service key whatever the caller asks.
/// </summary>
public sealed record ObjectDeletion(string DeviceId, AreaKind Area, IReadOnlyList<ObjectRef> Objects, int[] Pin, bool ConfirmFinalTry, bool WithKeyPairs = false);

/// <summary>Renames the device: its standard area gets the label, a qualified area the label with its PIN-label suffix.</summary>
public sealed record TokenRename(string DeviceId, string NewLabel);

/// <summary>
/// Prepares a device for a complaint: removes every user certificate and key (never the service key) and sets
/// the secrets back to the model's factory values. The current values are needed for that.
/// </summary>
public sealed record ComplaintPreparation(string DeviceId, int[] Pin, int[] Puk, int[]? QualifiedPin, int[]? QualifiedPuk, bool ConfirmFinalTry);

public sealed record ComplaintPrepared(int ObjectsRemoved, IReadOnlyList<PinKind> SecretsReset, string DeviceSerial, string ModelName);

/// <summary>
/// Signs a portal's challenge with the holder's authentication key in the standard area (sign-in with the token's
/// certificate), in Web eID's form: the agent signs SHA-256(origin) || SHA-256(nonce), taking the origin from the page's
/// connection, never from the caller. The service key and qualified keys never sign challenges.
/// </summary>
/// <param name="Nonce">The portal's challenge: at least 32 random bytes.</param>
public sealed record ChallengeSignature(string DeviceId, string KeyIdHex, byte[] Nonce, int[] Pin, bool ConfirmFinalTry);

/// <param name="Origin">The origin the agent bound the signature to.</param>
/// <param name="Certificate">The key's certificate on the device (DER), for the portal to check its chain and status.</param>
public sealed record ChallengeSigned(byte[] Signature, string SignatureAlgorithm, string Origin, byte[] Certificate)
{
    /// <summary>What the agent signs: SHA-256(origin) || SHA-256(nonce). The origin is UTF-8, as the page's Origin header spells it.</summary>
    public static byte[] SignedValue(string origin, byte[] nonce) =>
        [.. System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(origin)), .. System.Security.Cryptography.SHA256.HashData(nonce)];
}

/// <summary>
/// Signs a document the portal prepared (a renewal application, a binding cancellation) as a detached CMS SignedData
/// (SHA-256, signed attributes with the content type and signing time, the signer's certificate included) with the key
/// <see cref="CertificateIdHex"/> names in <see cref="Area"/>, proven by <see cref="Pin"/> (the area's own: PIN for the
/// standard area, QPIN for the qualified one). The agent signs only such documents, no arbitrary bytes:
/// <see cref="Document"/> is UTF-8 text of at most <see cref="MaxDocumentLength"/> bytes whose first line is
/// <c>QTSP-DOCUMENT/1 &lt;type&gt;</c>, the type being <see cref="DocumentType"/> and one of <see cref="DocumentTypes"/>.
/// The key needs its certificate under the same CKA_ID, valid now and certified for digitalSignature or nonRepudiation;
/// never the CA's service key. <see cref="ServiceKeyPublicKey"/> (optional, as in <see cref="KeyRequestCommand"/>) is the
/// service key the CA registered for the device: a key or certificate with that public key is refused too.
/// </summary>
public sealed record DocumentSignature(
    string DeviceId,
    AreaKind Area,
    string CertificateIdHex,
    byte[] Document,
    string DocumentType,
    int[] Pin,
    bool ConfirmFinalTry,
    byte[]? ServiceKeyPublicKey = null)
{
    public const int MaxDocumentLength = 64 * 1024;

    /// <summary>The first line's marker, followed by one space and the type.</summary>
    public const string HeaderPrefix = "QTSP-DOCUMENT/1 ";

    public const string RenewalApplication = "renewal-application";
    public const string BindingCancellation = "binding-cancellation";

    /// <summary>The only document types the agent signs.</summary>
    public static IReadOnlyList<string> DocumentTypes { get; } = [RenewalApplication, BindingCancellation];

    /// <summary>The header line a document of <paramref name="type"/> starts with (followed by a line feed).</summary>
    public static string Header(string type) => HeaderPrefix + type;
}

/// <param name="Cms">DER ContentInfo of a detached SignedData (the document itself is not inside).</param>
/// <param name="SignerCertificateSha256">SHA-256 of the signer's certificate (DER), upper-case hex.</param>
public sealed record DocumentSigned(byte[] Cms, string SignerCertificateSha256);

[JsonConverter(typeof(JsonStringEnumConverter<CapacityIssue>))]
public enum CapacityIssue
{
    /// <summary>The qualified area already holds as many qualified certificates as it can (error 621/622 of the CA's tools).</summary>
    QualifiedAreaFull,

    /// <summary>Keys without a certificate (left by failed requests) take the room a new key needs (error 622).</summary>
    OrphanKeys,

    /// <summary>The device reports no free memory for a new key or certificate.</summary>
    NoFreeMemory,
}

public sealed record CapacityProblem(CapacityIssue Issue, int QualifiedCertificates, int Capacity, IReadOnlyList<string> OrphanKeyLabels);

/// <summary>Stages of a long operation, pushed to the page that started it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OperationStage>))]
public enum OperationStage
{
    CheckingCapacity,
    GeneratingKey,
    SigningRequest,
    Attesting,
    WritingObjects,
    RemovingObjects,
    ResettingSecrets,
    Finished,
}
