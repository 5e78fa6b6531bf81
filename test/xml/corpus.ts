// Real-world XMPP traffic, embedded as strings so that the portable suites can use it on XS.
// Shapes follow what Prosody and ejabberd send (RFC 6120 §9 examples, RFC 6121, XEP-0060,
// XEP-0199) plus the OpenSpime v0.9 application examples with the source's typos fixed
// (`<exposure>` and `<ele>` closed properly, the stray `>` after an iq's from attribute removed).

/** Server to client: header, features, SASL, restart, bind, roster, presence, messages, pubsub. */
export const SERVER_STREAM = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='5c8e1f3a-7b2d-4e8a' from='spime.openspime.com' version='1.0' xml:lang='en'>
<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms></stream:features>
<challenge xmlns="urn:ietf:params:xml:ns:xmpp-sasl">cj1meWtvK2QybGJiRmdPTlJ2OXFreGRhd0wzcmZjTkhZSlkxWlZ2V1ZzN2oscz1RU1hDUitRNnNlazhiZjkyLGk9NDA5Ng==</challenge>
<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl">dj1ybUY5cHFWOFM3c3VBb1pXamE0ZEpSa0ZzS1E9</success>
<iq type='result' id='bind_1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>4A6B-5638-0312111D@spime.openspime.com/spime</jid></bind></iq>
<iq type="result" id="roster_1" to="4A6B-5638-0312111D@spime.openspime.com/spime"><query xmlns="jabber:iq:roster" ver="ver14"><item jid="owner@mydomain.com" name="Ostinelli &amp; Co." subscription="both"><group>Owners</group></item><item jid='775B-F2C2-2B3765F4@scopenode.openspime.com' subscription='to'/></query></iq>
<presence from='owner@mydomain.com/web' to='4A6B-5638-0312111D@spime.openspime.com/spime' xml:lang='it'><show>chat</show><status>In ufficio — però 3 &lt; 4 &amp;&amp; 5 &gt; 2</status><priority>5</priority><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://conversations.im' ver='q07IKJEyjvHSyhy//CH0CxmKi8w='/></presence>
<message from='owner@mydomain.com/web' to='4A6B-5638-0312111D@spime.openspime.com/spime' type='chat' id='msg&#x31;'><body>Ciao! Città: Milano, température 21 °C, 東京 and 😀 (U+1F600); "quoted" &apos;apos&apos; &#169; &#x1F680;
second line	with a tab</body><thread>e0ffe42b28561960c6b12b944a092794b9683a38</thread><active xmlns='http://jabber.org/protocol/chatstates'/></message>
 
<iq from='spime.openspime.com' to='4A6B-5638-0312111D@spime.openspime.com/spime' id='ping-42' type='get'><ping xmlns='urn:xmpp:ping'/></iq>
<message from='pubsub.openspime.com' to='4A6B-5638-0312111D@spime.openspime.com/spime' id='foo'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='princely_musings'><item id='ae890ac52d0df67ed7cfdf51b644e901'><entry xmlns='http://www.w3.org/2005/Atom'><title>Soliloquy</title><summary>To be, or not to be: that is the question:
Whether 'tis nobler in the mind to suffer
The slings &amp; arrows of outrageous fortune</summary><link rel='alternate' type='text/html' href='http://denmark.lit/2003/12/13/atom03'/><id>tag:denmark.lit,2003:entry-32397</id></entry></item></items></event><headers xmlns='http://jabber.org/protocol/shim'><header name='Collection'>spimes</header></headers></message>
<message type='error' from='scopenode.openspime.com' id='e1'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>Service <![CDATA[<unavailable> & "down"]]> for now</text></error></message>
<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>Replaced by new connection</text></stream:error>
</stream:stream>`;

/** The OpenSpime v0.9 application examples, inside a server-to-server style stream. */
export const OPENSPIME_STREAM = `<?xml version="1.0" encoding="UTF-8"?>
<stream:stream xmlns="jabber:client" xmlns:stream="http://etherx.jabber.org/streams" to="spime.openspime.com" version="1.0">
<iq from='4A6B-5638-0312111D@spime.openspime.com/spime'
   to='775B-F2C2-2B3765F4@scopenode.openspime.com/co2'
   xml:lang='en'
   type='set'
   id='200804021658230'>
   <openspime xmlns='openspime:protocol:core' version='0.9'>
      <transport>
         <data xmlns='openspime:protocol:extension:data' version='0.9'>
            <entry>
               <date>2008-04-02T17:54:22+01:00</date>
               <exposure>outdoor</exposure>
               <lat>45.475841199050905</lat>
               <lon>9.172725677490234</lon>
               <ele unit='m'>120.0</ele>
               <ppm>176.4</ppm>
            </entry>
         </data>
      </transport>
   </openspime>
</iq>
<iq from='775B-F2C2-2B3765F4@scopenode.openspime.com/co2'
   to='4A6B-5638-0312111D@spime.openspime.com/spime'
   xml:lang='en'
   type='error'
   id='200804021658230'>
   <error type='modify'>
      <bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
      <inconsistent-data-with-scope xmlns='openspime:protocol:extension:data:error'/>
   </error>
</iq>
<iq from='4A6B-5638-0312111D@spime.openspime.com/spime'
   to='775B-F2C2-2B3765F4@scopenode.openspime.com/co2'
   xml:lang='en'
   type='set'
   id='200804021658231'>
   <openspime xmlns='openspime:protocol:core' version='0.9'>
      <originator cert='services@spime.openspime.com/cert'>
         <sign>MEUCIQDkSxK4qrn3Zb6eZ1NEv0XhQzZ/4b2vG7mYqkQwqL9HdAIgS1GvGg7J8w3pN2v+4QpHc2NQzq7R0sYv9w8l1kXoJ0E=</sign>
      </originator>
         <transport content-type='x-openspime/aes-base64'
            transport-key='q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA='>
            U2FsdGVkX1+vupppZksvRf5pq5g5XjFRIipRkwB0K1Y96Qsv2Lm+31cmzaAILwytX/z66ZVWEQM/ccf1g+9m5Ubu1+sit+A9cenD
         </transport>
   </openspime>
</iq>
<iq from='775B-F2C2-2B3765F4@scopenode.openspime.com/co2'
   to='services@spime.openspime.com/cert'
   type='get'
   xml:lang='en'
   id='200804021658232'>
   <pubkeys xmlns='urn:xmpp:tmp:pubkey'
      jid='4A6B-5638-0312111D@spime.openspime.com/spime' />
</iq>
<iq from='services@spime.openspime.com/cert'
   to='775B-F2C2-2B3765F4@scopenode.openspime.com/co2'
   type='result'
   xml:lang='en'
   id='200804021658232'>
   <pubkeys xmlns='urn:xmpp:tmp:pubkey'
      jid='4A6B-5638-0312111D@spime.openspime.com/spime'>
      <KeyInfo xmlns='http://www.w3.org/2000/09/xmldsig#'>
         <KeyValue>
            <RSAKeyValue>
               <Modulus>xA7SEU+e0yQH5rm9kbCDN9o3aPIo7HbP7tX6WOocLZAtNfyxSZDU16ksL6WjubafOqNEpcwR3RdFsT7bCqnXPBe5ELh5u4VEy19MzxkXRgrMvavzyBpVRgBUwUlV5foK5hhmbktQhyNdy/6LpQRhDUDsTvK+g9Ucj47es9AQJ3U=</Modulus>
               <Exponent>AQAB</Exponent>
            </RSAKeyValue>
         </KeyValue>
      </KeyInfo>
   </pubkeys>
</iq>
<iq from='owner@mydomain.com/web'
   to='4A6B-5638-0312111D@spime.openspime.com/spime'
   xml:lang='en'
   type='set'
   id='200804021658233'>
   <openspime xmlns='openspime:protocol:core' version='0.9'>
      <transport>
         <claim xmlns='openspime:protocol:extension:claim' version='0.9'>
            <request claims='4A6B-5638-0312111D@spime.openspime.com/spime' />
         </claim>
      </transport>
   </openspime>
</iq>
<iq from='spimeowner@mydomain.com/web'
   to='pubsub.openspime.com'
   xml:lang='en'
   type='set'
   id='200804021658234'>
   <pubsub xmlns='http://jabber.org/protocol/pubsub'>
      <publish node='spimeseek'>
         <item id='98acbd983ab55f1298bfca'>
            <openspime xmlns='openspime:protocol:core' version='0.9'>
               <originator cert='cert.spimeowners.com'
                  osid='spimeowner@mydomain.com/web'>
                  <sign>MEQCIGm9w1Q0Jb3xkWc5V4rSx6vOa7l2l3pQm1fD0sVt4e6fAiB1P5Lx3yq0bq9Z6Tj2n4kR8v0wA1sC2dE3fG4hI5jK6g==</sign>
                  <claimkey cert='services@spime.openspime.com/cert'
                     claims='4A6B-5638-0312111D@spime.openspime.com/spime'>
                        c2VjcmV0IGNsYWltIGtleQ==
                  </claimkey>
               </originator>
               <transport>
                  <spimeseek xmlns='http://openspime.org/protocol/spimeseek'
                     version='0.9'>
                     <request id='7abc78af21'>
                        <spimeid>
                           4A6B-5638-0312111D@spime.openspime.com/spime
                        </spimeid>
                        <expdate>2008-04-01T12:23:54+01:00</expdate>
                        <encrequired>true</encrequired>
                     </request>
                  </spimeseek>
               </transport>
            </openspime>
         </item>
      </publish>
   </pubsub>
</iq>
<message from='775B-F2C2-2B3765F4@scopenode.openspime.com/co2'
   to='4A6B-5638-0312111D@spime.openspime.com/spime'
   xml:lang='en'
   id='200804021658235'>
   <openspime xmlns='openspime:protocol:core' version='0.9'>
      <transport>
         <spimeseek xmlns='http://openspime.org/protocol/spimeseek' version='0.9'>
            <response id='7abc78af21'>
               <entry>
                  <date>2008-04-02T17:54:22+01:00</date>
                  <exposure>outdoor</exposure>
                  <lat>45.475841199050905</lat>
                  <lon>9.172725677490234</lon>
                  <ele unit='m'>120.0</ele>
               </entry>
            </response>
         </spimeseek>
      </transport>
   </openspime>
</message>
`;

/** Client to server, as spimekit sends it: header, SASL auth, bind, keepalives, a data report. */
export const CLIENT_STREAM = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='spime.openspime.com' version='1.0'><auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>biwsbj00QTZCLTU2MzgtMDMxMjExMUQscj1meWtvK2QybGJiRmdPTlJ2OXFreGRhd0wzcmZjTkhZSlkx</auth><iq type='set' id='bind_1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>spime</resource></bind></iq> 

 <presence><priority>-1</priority></presence>	<iq type='result' id='ping-42' to='spime.openspime.com'/></stream:stream>`;
