namespace Qtsp.Agent.Pkcs11;

/// <summary>A PKCS#11 call returned something other than CKR_OK. The message names the function and the code, never arguments.</summary>
internal sealed class Pkcs11Exception : Exception
{
    public Pkcs11Exception(string function, CKR returnValue)
        : base($"{function} returned {Pkcs11Values.Name(returnValue)}")
    {
        Function = function;
        ReturnValue = returnValue;
    }

    public string Function { get; }

    public CKR ReturnValue { get; }

    public string ReturnValueName => Pkcs11Values.Name(ReturnValue);
}
